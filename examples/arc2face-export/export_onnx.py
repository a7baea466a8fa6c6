#!/usr/bin/env python3
"""Export Arc2Face (SD-1.5 based, ID-conditioned) to the ONNX layout HyperFace Serve's
`onnx-diffusion` backend loads. Not run in CI: it needs torch, diffusers, transformers and the
Arc2Face weights (a few GB). See README.md next to this file.

Output folder:
  pipeline.json            manifest (tensor names, sizes, id-token position, scheduler)
  text_encoder.onnx        input_token_embs [B, 77, 768] -> last_hidden_state [B, 77, 768]
  unet.onnx (+ .data)      sample [B, 4, 64, 64], timestep int64 [B], encoder_hidden_states [B, 77, 768] -> out_sample
  vae_decoder.onnx         latent_sample [B, 4, 64, 64] -> sample [B, 3, 512, 512] in [-1, 1]
  prompt_token_embs.f32    token embeddings of "photo of a id person" (padded to 77), float32 LE [77, 768]
  uncond_token_embs.f32    token embeddings of "" (padded to 77), float32 LE [77, 768]
"""
import argparse
import json
import math
import os

PROMPT = "photo of a id person"  # Arc2Face's fixed prompt; the `id` token carries the identity

# diffusers DPMSolverMultistepScheduler config key -> pipeline.json `scheduler` key.
SCHEDULER_KEYS = {
    "num_train_timesteps": "numTrainTimesteps",
    "beta_start": "betaStart",
    "beta_end": "betaEnd",
    "beta_schedule": "betaSchedule",
    "solver_order": "solverOrder",
    "timestep_spacing": "timestepSpacing",
    "steps_offset": "stepsOffset",
    "lower_order_final": "lowerOrderFinal",
}
SUPPORTED_VALUES = {
    "beta_schedule": ("scaled_linear", "linear"),
    "solver_order": (1, 2),
    "timestep_spacing": ("linspace", "leading", "trailing"),
}
# Settings the onnx-diffusion scheduler implements only at these values: anything else is refused
# rather than silently sampled differently from the upstream pipeline.
REQUIRED = {
    "algorithm_type": "dpmsolver++",
    "solver_type": "midpoint",
    "prediction_type": "epsilon",
    "final_sigmas_type": "zero",
    "trained_betas": None,
    "thresholding": False,
    "euler_at_final": False,
    "use_karras_sigmas": False,
    "use_lu_lambdas": False,
    "use_exponential_sigmas": False,
    "use_beta_sigmas": False,
    "use_flow_sigmas": False,
    "rescale_betas_zero_snr": False,
    "variance_type": None,
    "lambda_min_clipped": -math.inf,
}


def scheduler_manifest(config):
    """pipeline.json's `scheduler` from a DPMSolverMultistepScheduler config: the one Arc2Face's
    `DPMSolverMultistepScheduler.from_config(pipeline.scheduler.config)` builds from the base model.
    Raises ValueError for a setting the daemon's scheduler does not implement."""
    config = dict(config)
    problems = []
    for key, want in REQUIRED.items():
        if key in config and config[key] != want:
            problems.append(f"{key}={config[key]!r} (supported: {want!r})")
    for key, allowed in SUPPORTED_VALUES.items():
        if key in config and config[key] not in allowed:
            problems.append(f"{key}={config[key]!r} (supported: {', '.join(map(repr, allowed))})")
    if problems:
        raise ValueError("the base model's scheduler config is not supported by onnx-diffusion: " + "; ".join(problems))
    return {ours: config[theirs] for theirs, ours in SCHEDULER_KEYS.items() if theirs in config}


def main():
    import torch
    from diffusers import AutoencoderKL, DPMSolverMultistepScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    class TextFromTokenEmbeddings(torch.nn.Module):
        """CLIP text transformer fed with precomputed token embeddings (what Arc2Face's
        CLIPTextModelWrapper does with `input_token_embs`): + position embeddings, causal encoder,
        final layer norm. Returns last_hidden_state (the pipeline's prompt_embeds)."""

        def __init__(self, text_model):
            super().__init__()
            self.tm = text_model

        def forward(self, input_token_embs):
            seq = input_token_embs.shape[1]
            position_ids = self.tm.embeddings.position_ids[:, :seq]
            hidden = input_token_embs + self.tm.embeddings.position_embedding(position_ids)
            mask = torch.full((seq, seq), torch.finfo(hidden.dtype).min, dtype=hidden.dtype, device=hidden.device)
            mask = torch.triu(mask, diagonal=1)[None, None]
            out = self.tm.encoder(inputs_embeds=hidden, attention_mask=None, causal_attention_mask=mask)[0]
            return self.tm.final_layer_norm(out)

    class UNetWrapper(torch.nn.Module):
        def __init__(self, unet):
            super().__init__()
            self.unet = unet

        def forward(self, sample, timestep, encoder_hidden_states):
            return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]

    class VaeDecoderWrapper(torch.nn.Module):
        def __init__(self, vae):
            super().__init__()
            self.vae = vae

        def forward(self, latent_sample):
            return self.vae.decode(latent_sample, return_dict=False)[0]

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arc2face", default="./models", help="folder with Arc2Face's encoder/ and arc2face/ subfolders")
    ap.add_argument("--base", default="stable-diffusion-v1-5/stable-diffusion-v1-5", help="SD-1.5 repo or folder (tokenizer, vae)")
    ap.add_argument("--out", default="./arc2face-onnx")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_grad_enabled(False)

    tokenizer = CLIPTokenizer.from_pretrained(args.base, subfolder="tokenizer")
    encoder = CLIPTextModel.from_pretrained(args.arc2face, subfolder="encoder", torch_dtype=torch.float32).eval()
    unet = UNet2DConditionModel.from_pretrained(args.arc2face, subfolder="arc2face", torch_dtype=torch.float32).eval()
    vae = AutoencoderKL.from_pretrained(args.base, subfolder="vae", torch_dtype=torch.float32).eval()
    # Arc2Face samples with DPMSolverMultistepScheduler.from_config(<base model's scheduler config>).
    scheduler = scheduler_manifest(DPMSolverMultistepScheduler.from_pretrained(args.base, subfolder="scheduler").config)

    seq = tokenizer.model_max_length  # 77
    hidden = encoder.config.hidden_size  # 768

    def token_embs(text):
        ids = tokenizer(text, truncation=True, padding="max_length", max_length=seq, return_tensors="pt").input_ids
        return ids[0].tolist(), encoder.text_model.embeddings.token_embedding(ids)[0].float().numpy()

    prompt_ids, prompt_embs = token_embs(PROMPT)
    id_token = tokenizer.encode("id", add_special_tokens=False)[0]
    id_index = prompt_ids.index(id_token)
    _, uncond_embs = token_embs("")
    prompt_embs.astype("<f4").tofile(os.path.join(args.out, "prompt_token_embs.f32"))
    uncond_embs.astype("<f4").tofile(os.path.join(args.out, "uncond_token_embs.f32"))

    b = 2
    torch.onnx.export(
        TextFromTokenEmbeddings(encoder.text_model),
        (torch.randn(b, seq, hidden),),
        os.path.join(args.out, "text_encoder.onnx"),
        input_names=["input_token_embs"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_token_embs": {0: "batch"}, "last_hidden_state": {0: "batch"}},
        opset_version=args.opset,
    )
    latent = unet.config.sample_size  # 64
    torch.onnx.export(
        UNetWrapper(unet),
        (torch.randn(b, 4, latent, latent), torch.tensor([999] * b, dtype=torch.int64), torch.randn(b, seq, hidden)),
        os.path.join(args.out, "unet.onnx"),
        input_names=["sample", "timestep", "encoder_hidden_states"],
        output_names=["out_sample"],
        dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch"}},
        opset_version=args.opset,
    )
    # > 2 GB: torch writes the weights as ONNX external data next to unet.onnx; keep them together.
    torch.onnx.export(
        VaeDecoderWrapper(vae),
        (torch.randn(1, 4, latent, latent),),
        os.path.join(args.out, "vae_decoder.onnx"),
        input_names=["latent_sample"],
        output_names=["sample"],
        dynamic_axes={"latent_sample": {0: "batch"}, "sample": {0: "batch"}},
        opset_version=args.opset,
    )

    manifest = {
        "format": "hyperface-arc2face/1",
        "textEncoder": "text_encoder.onnx",
        "unet": "unet.onnx",
        "vaeDecoder": "vae_decoder.onnx",
        "promptTokenEmbeddings": "prompt_token_embs.f32",
        "uncondTokenEmbeddings": "uncond_token_embs.f32",
        "idTokenIndex": id_index,
        "seqLen": seq,
        "hidden": hidden,
        "idDim": 512,
        "latentChannels": 4,
        "latentSize": latent,
        "vaeScalingFactor": vae.config.scaling_factor,  # 0.18215
        "outputRange": "-1..1",
        "scheduler": scheduler,
        "promptIds": prompt_ids,
    }
    with open(os.path.join(args.out, "pipeline.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"wrote {args.out} (id token {id_token} at position {id_index})")


if __name__ == "__main__":
    main()

"""Which OpenBLAS kernel NumPy runs here (what threadpoolctl reports: core name, version, threads),
read through ctypes from the OpenBLAS that NumPy itself loaded."""
import ctypes, glob, os
import numpy as np


def blas_info():
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', '*openblas*'))
    info = {'numpy': np.__version__, 'OPENBLAS_CORETYPE': os.environ.get('OPENBLAS_CORETYPE'), 'OPENBLAS_L2_SIZE': os.environ.get('OPENBLAS_L2_SIZE')}
    if not libs:
        return {**info, 'blas': 'unknown (no bundled OpenBLAS found)'}
    lib = ctypes.CDLL(libs[0])
    for prefix in ('scipy_openblas', 'openblas'):
        for suffix in ('64_', ''):
            core = getattr(lib, f'{prefix}_get_corename{suffix}', None)
            if core is None:
                continue
            core.restype = ctypes.c_char_p
            cfg = getattr(lib, f'{prefix}_get_config{suffix}')
            cfg.restype = ctypes.c_char_p
            thr = getattr(lib, f'{prefix}_get_num_threads{suffix}')
            return {**info, 'blas': 'openblas', 'kernel': core().decode(), 'config': cfg().decode().strip(), 'threads': thr()}
    return {**info, 'blas': os.path.basename(libs[0])}


if __name__ == '__main__':
    import json
    print(json.dumps(blas_info()))

// The .npy codec, one for the SDK and the daemon (clients read the daemon's files with the same
// code). The daemon's layers take it from here, not from the SDK package (eslint.config.js).
export { decodeNpy, decodeNpyHeader, decodeNpyMatrix, encodeNpyFloat32, npyHeader, npyItemBytes, NpyFormatError } from '@hyperface/sdk/npy';

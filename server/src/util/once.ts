// Release functions that may be called from an error path and a finally both.
/** `fn` that runs on its first call only: a ticket released twice (error path and finally) counts once. */
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

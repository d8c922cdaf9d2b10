// The words with which a peer says it ran out of memory: the kernel's killer (SIGKILL), an
// allocation refused under bench/peers.ts's --mem-cap (onnxruntime: "Failed to allocate"; C++:
// bad_alloc; numpy: MemoryError, "Unable to allocate"), or a peer's own "OOM".
export const OUT_OF_MEMORY = /OOM|out of memory|SIGKILL|failed to allocate|bad_alloc|MemoryError|Unable to allocate/i;

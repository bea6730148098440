//! How the C allocator gives memory back. glibc's malloc raises its mmap
//! threshold to the size of the largest block freed (up to 32 MiB), so after
//! one CreateFunction of a 20 MB zip every later large buffer comes from the
//! heap and stays there when freed: laminar kept ~80 MiB it no longer used
//! after such a request. A fixed threshold keeps large buffers mapped on their
//! own and returned at once; two arenas stop each blocking thread from
//! growing an arena of its own under load.

/// Large blocks get their own mapping from this size on.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 256 * 1024;

/// Arenas shared by every thread.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;

/// Call before any thread starts (the arena limit applies to arenas created
/// afterwards).
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; no thread has started
    // allocating yet, and glibc takes its own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

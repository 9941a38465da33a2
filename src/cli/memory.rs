//! Running out of memory ends the program with an `error:` line and exit code 1, like every other failure, instead
//! of the allocator's abort (a bare message and exit 134): the system allocator, with a check on what it returns.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;

/// The system allocator, except that an allocation it refuses ends the program with a message.
pub struct ExitOnOutOfMemory;

// SAFETY: every call is forwarded to the system allocator unchanged; only a null result is acted on, and then the
// process ends without returning.
unsafe impl GlobalAlloc for ExitOnOutOfMemory {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        checked(System.alloc(layout), layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        checked(System.alloc_zeroed(layout), layout.size())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        checked(System.realloc(ptr, layout, new_size), new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

fn checked(ptr: *mut u8, size: usize) -> *mut u8 {
    if ptr.is_null() {
        out_of_memory(size);
    }
    ptr
}

/// A message written into a fixed buffer: nothing may be allocated once memory has run out.
struct StackText {
    bytes: [u8; 256],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.bytes.len() - self.len;
        let n = s.len().min(room);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Writes the `error:` line to stderr and exits with code 1, without unwinding or allocating.
fn out_of_memory(size: usize) -> ! {
    let mut text = StackText {
        bytes: [0; 256],
        len: 0,
    };
    let _ = writeln!(
        text,
        "error: out of memory: {size} more bytes could not be had (the machine's memory, or a limit such as \
         `ulimit -v`, is used up); try fewer or smaller inputs"
    );
    // SAFETY: writes the buffer's initialised bytes to stderr, then ends the process at once.
    unsafe {
        libc::write(2, text.bytes.as_ptr().cast(), text.len);
        libc::_exit(1)
    }
}

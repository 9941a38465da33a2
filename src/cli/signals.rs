//! A mapped file replaced in place under a running command (`cp new.idx insights.idx` while `report` reads it)
//! makes the kernel send SIGBUS on the next read of a page past the file's new end. Left alone, that kills the
//! process without a word (exit 135); here it ends it with an `error:` line and exit code 1.

/// What is said before exiting on SIGBUS: one write of a fixed message is all a signal handler may safely do.
const BUS_ERROR_MESSAGE: &[u8] =
    b"error: an index file this command was reading changed under it (replaced or truncated \
in place, e.g. by cp, while it was in use); run the command again. `insights index` replaces files atomically and \
never does this\n";

/// Ends the process with [`BUS_ERROR_MESSAGE`] and exit code 1.
extern "C" fn on_bus_error(_: libc::c_int) {
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer is a static byte string.
    unsafe {
        libc::write(2, BUS_ERROR_MESSAGE.as_ptr().cast(), BUS_ERROR_MESSAGE.len());
        libc::_exit(1);
    }
}

/// Installs the SIGBUS handler for the life of the process.
pub fn explain_bus_errors() {
    // SAFETY: the sigaction struct is zeroed and then filled in; the handler only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_bus_error as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

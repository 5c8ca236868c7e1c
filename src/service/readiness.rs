//! Readiness: a flag that is set once, waited for by blocking threads (changes) and async tasks
//! (reads) alike.
//!
//! Must not: know what it guards; `AppState::new` sets it when the lab is repaired.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// A one-way flag: not ready, then ready for good.
pub struct Readiness {
    ready: AtomicBool,
    lock: Mutex<()>,
    woken: Condvar,
    notify: tokio::sync::Notify,
}

impl Readiness {
    pub fn new(ready: bool) -> Readiness {
        Readiness {
            ready: AtomicBool::new(ready),
            lock: Mutex::new(()),
            woken: Condvar::new(),
            notify: tokio::sync::Notify::new(),
        }
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub fn set(&self) {
        let _guard = self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.ready.store(true, Ordering::Release);
        self.woken.notify_all();
        self.notify.notify_waiters();
    }

    /// Blocks the calling thread until ready.
    pub fn wait_blocking(&self) {
        let mut guard = self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while !self.is_ready() {
            guard = self.woken.wait(guard).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Waits (asynchronously) until ready.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_ready() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn waiters_of_both_kinds_wake_when_it_is_set() {
        let flag = Arc::new(Readiness::new(false));
        let blocking = {
            let flag = Arc::clone(&flag);
            std::thread::spawn(move || flag.wait_blocking())
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let setter = Arc::clone(&flag);
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            setter.set();
        });
        runtime.block_on(flag.wait());
        blocking.join().expect("woken");
        assert!(flag.is_ready());
    }
}

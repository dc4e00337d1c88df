//! The bridge between the synchronous `Store`/`Tx` traits and the asynchronous driver.
//!
//! The traits are called from `spawn_blocking` threads, and sometimes (tests, the demo) from
//! plain threads or from inside an async task. tokio's own `block_on` refuses to run inside an
//! async context, so the store keeps its own small runtime, which drives every connection's
//! socket, and waits for a query on the calling thread with a parking `block_on` that needs no
//! runtime: tokio-postgres's client side only talks to its connection task over channels.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// The runtime that owns the connections. Dropping it never blocks, so the store can be
/// dropped anywhere, an async task included.
pub(super) struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    pub(super) fn new() -> std::io::Result<Runtime> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("atender-postgres")
            .enable_all()
            .build()?;
        Ok(Runtime(Some(rt)))
    }

    /// Runs `f` on the store's runtime (it needs its reactor: connecting, pool timeouts) and
    /// waits for its output on the calling thread. `None` if the runtime is gone.
    pub(super) fn run<F>(&self, f: F) -> Option<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.0.as_ref()?.spawn(async move {
            let _ = tx.send(f.await);
        });
        rx.recv().ok()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `f` to completion on this thread, parking between wake-ups. Only for futures that
/// need no runtime of their own (a query on an already connected client).
pub(super) fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_waits_for_a_wake_from_another_thread() {
        let rt = Runtime::new().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        // `run` returns once the task is spawned; the value arrives 20 ms later.
        rt.run(async move {
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                let _ = tx.send(7);
            });
        })
        .unwrap();
        assert_eq!(block_on(rx).unwrap(), 7);
    }

    #[tokio::test]
    async fn works_inside_an_async_task_and_drops_there() {
        let rt = Runtime::new().unwrap();
        assert_eq!(rt.run(async { 1 + 1 }), Some(2));
        drop(rt);
    }
}

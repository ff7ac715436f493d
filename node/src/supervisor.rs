//! One supervisor per process: named tasks, a shared cancellation token, and the rule that a
//! critical task that fails stops the whole process.
//!
//! A critical task (a follower, the API server, the operator server, a relayer loop) that
//! returns an error or panics records a [`TaskFailure`] naming itself and the cause, and
//! cancels every other task; [`Supervisor::run_until_signal`] then returns that failure so the
//! binary exits non-zero with one line saying what died and why. Ctrl-C and SIGTERM start the
//! same graceful shutdown without a failure.

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use futures_util::FutureExt;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument;

/// The first critical task that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task's name (`follower l2`, `indexer API`, `relayer to ethereum`).
    pub task: String,
    /// Its error or panic message.
    pub cause: String,
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "critical task `{}` stopped: {}", self.task, self.cause)
    }
}

impl std::error::Error for TaskFailure {}

/// Tasks of one process: cancelled together, awaited together.
#[derive(Debug, Clone, Default)]
pub struct Supervisor {
    /// Fires on shutdown; every task watches it.
    pub cancel: CancellationToken,
    /// Every spawned task.
    pub tracker: TaskTracker,
    failure: Arc<Mutex<Option<TaskFailure>>>,
}

impl Supervisor {
    /// A new supervisor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Spawns a task whose end, however it ends, does not stop the process.
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(task);
    }

    /// Spawns critical task `name` in `span`: when it returns an error or panics, the failure is
    /// recorded and every task is cancelled. A task that returns `Ok` (it was cancelled, or its
    /// domain was removed) stops alone.
    pub fn spawn_critical<F, E>(&self, name: impl Into<String>, span: tracing::Span, task: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        let name = name.into();
        let (cancel, failure) = (self.cancel.clone(), self.failure.clone());
        self.tracker.spawn(
            async move {
                let cause = match std::panic::AssertUnwindSafe(task).catch_unwind().await {
                    Ok(Ok(())) => return,
                    Ok(Err(e)) => e.to_string(),
                    Err(panic) => panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .map_or_else(|| "panicked".to_owned(), |m| format!("panicked: {m}")),
                };
                tracing::error!(target: "causeway::node", task = %name, %cause, "critical task failed; shutting down");
                if let Ok(mut f) = failure.lock()
                    && f.is_none()
                {
                    *f = Some(TaskFailure { task: name, cause });
                }
                cancel.cancel();
            }
            .instrument(span),
        );
    }

    /// The first critical failure, if one happened.
    pub fn failure(&self) -> Option<TaskFailure> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Cancels every task and waits for all of them to finish.
    pub async fn shutdown(&self) {
        self.cancel.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Waits for Ctrl-C, SIGTERM, a critical failure (or the supervisor to be cancelled), then
    /// shuts down. Returns the critical failure that stopped the process, if any.
    pub async fn run_until_signal(&self) -> Result<(), TaskFailure> {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        #[cfg(unix)]
        let term = async move {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => tracing::info!(target: "causeway::node", "Ctrl-C: shutting down"),
            () = term => tracing::info!(target: "causeway::node", "SIGTERM: shutting down"),
            () = self.cancel.cancelled() => {}
        }
        self.shutdown().await;
        self.failure().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_critical_task_stops_everything_and_is_named() {
        let sup = Supervisor::new();
        let other = sup.cancel.clone();
        sup.spawn(async move { other.cancelled().await });
        sup.spawn_critical("follower l3", tracing::Span::none(), async {
            Err::<(), _>("the RPC at http://127.0.0.1:1 is gone")
        });
        let failure = sup.run_until_signal().await.unwrap_err();
        assert_eq!(failure.task, "follower l3");
        assert_eq!(
            failure.to_string(),
            "critical task `follower l3` stopped: the RPC at http://127.0.0.1:1 is gone"
        );
    }

    #[tokio::test]
    async fn a_panic_is_a_failure_and_ok_is_not() {
        let sup = Supervisor::new();
        sup.spawn_critical("done", tracing::Span::none(), async { Ok::<(), String>(()) });
        tokio::task::yield_now().await;
        assert!(sup.failure().is_none(), "a task that ends well stops alone");
        assert!(!sup.cancel.is_cancelled());
        sup.spawn_critical("relayer to l2", tracing::Span::none(), async {
            if sup_never() {
                return Ok::<(), String>(());
            }
            panic!("index out of bounds")
        });
        let failure = sup.run_until_signal().await.unwrap_err();
        assert_eq!(failure.cause, "panicked: index out of bounds");
    }

    fn sup_never() -> bool {
        std::hint::black_box(false)
    }
}

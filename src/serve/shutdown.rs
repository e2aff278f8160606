//! Graceful shutdown: SIGINT or SIGTERM asks for it; the server stops accepting connections, lets the
//! requests in flight finish (for at most [`GRACE`]), then returns.

use std::time::Duration;
use tokio::sync::watch;

/// How long requests in flight may take to finish once shutdown is asked for.
pub const GRACE: Duration = Duration::from_secs(10);

/// A shutdown that can be asked for once and awaited anywhere.
#[derive(Clone, Debug)]
pub struct Shutdown {
    asked: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Shutdown {
        Shutdown::new()
    }
}

impl Shutdown {
    /// Not asked for yet.
    pub fn new() -> Shutdown {
        Shutdown {
            asked: watch::Sender::new(false),
        }
    }

    /// Ask for the shutdown.
    pub fn ask(&self) {
        self.asked.send_replace(true);
    }

    /// Whether the shutdown was asked for.
    pub fn is_asked(&self) -> bool {
        *self.asked.borrow()
    }

    /// Resolves once the shutdown is asked for (at once if it was).
    pub async fn asked(&self) {
        let mut receiver = self.asked.subscribe();
        // The sender lives as long as `self`: waiting cannot fail.
        let _ = receiver.wait_for(|asked| *asked).await;
    }

    /// Ask for the shutdown on SIGINT (Ctrl-C) or SIGTERM; call from within the runtime. The handlers
    /// are in place when this returns (a signal right after, before the waiting task first runs, is not
    /// lost to the default action, which would kill the process).
    pub fn on_signals(&self) {
        let shutdown = self.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            );
            if let (Ok(mut interrupt), Ok(mut terminate)) = streams {
                tokio::spawn(async move {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                    shutdown.ask();
                });
                return;
            }
        }
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                shutdown.ask();
            }
        });
    }
}

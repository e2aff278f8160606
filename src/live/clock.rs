//! The live engine's two clocks: the wall clock, or a test clock that moves only when told.

use super::command::LiveError;
use crate::time::{Instant, Span};

/// Where a test clock stops: twice the latest time a file or flow may give, below 2^33 s.
pub const TEST_CLOCK_END_S: f64 = 8e9;

/// Which clock a server runs on (`--clock real|test`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Seconds since the Unix epoch, as the system clock says.
    #[default]
    Real,
    /// Starts at 0 and moves only on `POST /v1/clock/advance`: end-to-end tests need no sleeps and
    /// reproduce a replay exactly.
    Test,
}

impl ClockKind {
    /// The word `--clock` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::Real => "real",
            ClockKind::Test => "test",
        }
    }
}

/// The engine's clock.
#[derive(Debug)]
pub struct Clock {
    kind: ClockKind,
    /// The test clock's time, and the latest real time read (the engine's time never goes back, even
    /// when the system clock does).
    now: Instant,
    /// Recovering: the clock shows the instants of the journal's changes, not the system's time.
    replaying: bool,
}

impl Clock {
    /// A clock of `kind`, starting now (a test clock at 0).
    pub fn new(kind: ClockKind) -> Clock {
        let mut clock = Clock {
            kind,
            now: Instant::ZERO,
            replaying: false,
        };
        clock.read();
        clock
    }

    /// A clock of `kind` replaying a journal that starts at `from`, until [`Clock::resume`].
    pub fn replaying(kind: ClockKind, from: Instant) -> Clock {
        Clock {
            kind,
            now: from,
            replaying: true,
        }
    }

    /// While replaying: the time is `at` (never earlier than it was).
    pub fn replay_to(&mut self, at: Instant) {
        self.now = self.now.max(at);
    }

    /// Replaying is over: a real clock shows the system's time again (a test clock stays where it is).
    pub fn resume(&mut self) {
        self.replaying = false;
    }

    /// Which clock this is.
    pub fn kind(&self) -> ClockKind {
        self.kind
    }

    /// The time now.
    pub fn read(&mut self) -> Instant {
        if self.kind == ClockKind::Real && !self.replaying {
            let since_epoch = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            self.now = self.now.max(Instant::from_seconds(since_epoch));
        }
        self.now
    }

    /// Move a test clock on by `by`; a real clock cannot be moved, and a test clock not past
    /// [`TEST_CLOCK_END_S`] (where instants would stop printing exactly).
    pub fn advance(&mut self, by: Span) -> Result<Instant, LiveError> {
        match self.kind {
            ClockKind::Test => {
                let to = self.now.after(by);
                if to > Instant::from_seconds(TEST_CLOCK_END_S) {
                    // The value may be fine: where the clock is makes it too much.
                    return Err(LiveError::Conflict {
                        detail: format!(
                            "the test clock stops at {TEST_CLOCK_END_S} s; it is at {} s",
                            self.now.seconds()
                        ),
                        state: None,
                    });
                }
                self.now = to;
                Ok(to)
            }
            ClockKind::Real => Err(LiveError::NotTestClock),
        }
    }

    /// How long, in real time, until `at` (none for a test clock, whose time moves only when told).
    pub fn until(&mut self, at: Instant) -> Option<std::time::Duration> {
        match self.kind {
            ClockKind::Test => None,
            ClockKind::Real if self.replaying => None,
            ClockKind::Real => {
                let now = self.read();
                Some(std::time::Duration::from_secs_f64(at.since(now).seconds()))
            }
        }
    }
}

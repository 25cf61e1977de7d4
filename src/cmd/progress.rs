//! The live progress line of a long scan, on stderr: inputs done (of the total, where the mode
//! knows it), bytes, rate, elapsed time and ETA, drawn by `indicatif` from another thread that
//! reads the scan's counters ten times a second. Only on a terminal, only for text output
//! without `--quiet`, and only once a scan has run for half a second: a pre-commit hook never
//! draws one, a log never receives one, and a machine format's stderr holds only errors.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::scan::Progress;

/// Scans shorter than this draw nothing.
const DELAY: Duration = Duration::from_millis(500);
/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// The line when the total is known (history scans), and when it is not (tree walks).
const WITH_TOTAL: &str = "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg} ETA {eta}";
const WITHOUT_TOTAL: &str = "{spinner} [{elapsed_precise}] {pos} {msg}";

/// [`DELAY`]; debug builds take `PATROL_DEBUG_PROGRESS_DELAY_MS` instead, so that the
/// integration tests can watch a small repository's scan.
fn delay() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("PATROL_DEBUG_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    DELAY
}

/// A running display; [`Display::stop`] clears the line.
pub(super) struct Display {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Display {
    pub(super) fn start(progress: Arc<Progress>) -> Display {
        let (stop, stopped) = mpsc::channel::<()>();
        let began = Instant::now();
        let delay = delay();
        let thread = std::thread::spawn(move || {
            if stopped.recv_timeout(delay) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10))
                .with_elapsed(began.elapsed());
            // Fixed templates: they parse (a test renders both).
            let known = ProgressStyle::with_template(WITH_TOTAL).ok();
            if let Ok(style) = ProgressStyle::with_template(WITHOUT_TOTAL) {
                bar.set_style(style);
            }
            let mut with_total = false;
            let mut update = |bar: &ProgressBar| {
                let s = progress.snapshot();
                if let (Some(total), false) = (s.total, with_total) {
                    with_total = true;
                    bar.set_length(total);
                    if let Some(style) = known.clone() {
                        bar.set_style(style);
                    }
                }
                let secs = began.elapsed().as_secs_f64().max(0.001);
                let rate = HumanBytes((s.bytes as f64 / secs) as u64);
                let of = s
                    .total_bytes
                    .map_or(String::new(), |t| format!(" of {}", HumanBytes(t)));
                bar.set_position(s.done);
                bar.set_message(format!(
                    "{} · {}{of} · {rate}/s",
                    s.unit,
                    HumanBytes(s.bytes)
                ));
            };
            loop {
                update(&bar);
                bar.tick();
                if stopped.recv_timeout(TICK) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
            }
            // The last state is drawn once before the line goes (a scan shorter than a tick
            // would otherwise never show its totals).
            update(&bar);
            bar.force_draw();
            bar.finish_and_clear();
        });
        Display { stop, thread }
    }

    /// Stops drawing and clears the line (before the report is written).
    pub(super) fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse() {
        assert!(ProgressStyle::with_template(WITH_TOTAL).is_ok());
        assert!(ProgressStyle::with_template(WITHOUT_TOTAL).is_ok());
    }
}

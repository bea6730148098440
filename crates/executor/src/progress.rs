//! Long waits shown in the terminal: an `indicatif` bar when stderr is a
//! terminal that can redraw, log lines otherwise (a pipe, a file, CI), so a
//! captured log is never full of carriage returns.

use std::io::IsTerminal;

/// How a long wait is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    Bar,
    Lines,
}

impl Display {
    /// A bar only on a terminal, and not on one that says it cannot move
    /// the cursor (`TERM=dumb`).
    pub fn choose(stderr_is_terminal: bool, term: Option<&str>) -> Self {
        if stderr_is_terminal && term != Some("dumb") {
            Self::Bar
        } else {
            Self::Lines
        }
    }

    /// For laminar's own stderr.
    pub fn of_stderr() -> Self {
        let term = std::env::var("TERM").ok();
        Self::choose(std::io::stderr().is_terminal(), term.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_only_on_a_terminal_that_redraws() {
        assert_eq!(Display::choose(true, Some("xterm-256color")), Display::Bar);
        assert_eq!(Display::choose(true, None), Display::Bar);
        assert_eq!(Display::choose(true, Some("dumb")), Display::Lines);
        assert_eq!(
            Display::choose(false, Some("xterm-256color")),
            Display::Lines
        );
        assert_eq!(Display::choose(false, None), Display::Lines);
    }
}

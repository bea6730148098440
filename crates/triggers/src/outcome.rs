//! What became of one delivery, for every outbox.

pub(crate) enum Outcome {
    /// The target took it: the row goes.
    Accepted,
    /// It can never be delivered (no such target, no permission): the row
    /// goes, as the service drops it after its retries.
    Refused(String),
    /// Try again on a later pass.
    Later(String),
}

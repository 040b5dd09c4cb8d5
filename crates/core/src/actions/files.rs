//! Files the user names: what one holds, before anything is written.

use crate::error::{Error, Result};
use crate::inspect::{self, Inspection};
use crate::secret::Secret;

/// What `bytes` (the file `name`) hold. With no password given, a PKCS#12
/// file is tried with the empty one first (many are made that way); only
/// when that does not open it is `ask` asked for the password, and its
/// answer tried. `ask` may refuse with `WrongPassword`, as the app does to
/// have its dialog ask.
pub fn inspect_file(
    name: &str,
    bytes: &[u8],
    given: Option<&Secret>,
    ask: impl FnOnce() -> Result<Secret>,
) -> Result<Inspection> {
    if !inspect::needs_password(bytes) {
        return inspect::inspect(name, bytes, &Secret::default());
    }
    if let Some(password) = given {
        return inspect::inspect(name, bytes, password);
    }
    match inspect::inspect(name, bytes, &Secret::default()) {
        Err(Error::WrongPassword) => inspect::inspect(name, bytes, &ask()?),
        other => other,
    }
}

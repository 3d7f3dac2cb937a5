//! Users, the current user, and image hashes.

use std::fmt;

use tether_model::id::UserId;
use tether_model::user::{CurrentUser, User};

/// An image hash (avatar, icon, banner) as Discord sends it.
///
/// Discord's hashes are 32 lowercase hex digits, prefixed with `a_` when the
/// image is animated; those are kept in 17 bytes instead of a 34-byte heap
/// string. Anything else is kept as text, so that every hash reads back
/// exactly as it was received.
///
/// ```
/// use tether_cache::ImageHash;
///
/// let hash = ImageHash::new("a_1269e74af4df7417b13759eae50c83dc");
/// assert!(hash.is_animated());
/// assert_eq!(hash.to_string(), "a_1269e74af4df7417b13759eae50c83dc");
/// assert_eq!(ImageHash::new("not-hex").to_string(), "not-hex");
/// ```
#[derive(Clone, Eq, Hash, PartialEq)]
pub struct ImageHash(HashRepr);

#[derive(Clone, Eq, Hash, PartialEq)]
enum HashRepr {
    Packed { bytes: [u8; 16], animated: bool },
    Text(Box<str>),
}

impl ImageHash {
    /// Reads a hash as Discord sends it.
    pub fn new(hash: &str) -> Self {
        Self(pack(hash).map_or_else(
            || HashRepr::Text(Box::from(hash)),
            |(bytes, animated)| HashRepr::Packed { bytes, animated },
        ))
    }

    /// Whether the image is animated (the hash starts with `a_`).
    pub fn is_animated(&self) -> bool {
        match &self.0 {
            HashRepr::Packed { animated, .. } => *animated,
            HashRepr::Text(text) => text.starts_with("a_"),
        }
    }

    /// Whether this is the hash `text`, without allocating.
    pub fn is(&self, text: &str) -> bool {
        match (&self.0, pack(text)) {
            (HashRepr::Packed { bytes, animated }, Some((b, a))) => *bytes == b && *animated == a,
            (HashRepr::Text(own), None) => **own == *text,
            _ => false,
        }
    }
}

/// Packs `[a_]` + 32 lowercase hex digits; uppercase digits stay text, so
/// that the hash reads back exactly.
fn pack(hash: &str) -> Option<([u8; 16], bool)> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    let (animated, hex) = match hash.strip_prefix("a_") {
        Some(hex) => (true, hex),
        None => (false, hash),
    };
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let &[hi, lo] = pair else { return None };
        *byte = (nibble(hi)? << 4) | nibble(lo)?;
    }
    Some((bytes, animated))
}

impl fmt::Display for ImageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            HashRepr::Packed { bytes, animated } => {
                if *animated {
                    f.write_str("a_")?;
                }
                bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
            HashRepr::Text(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for ImageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Whether an optional cached hash is the optional hash `text`.
pub(crate) fn same_hash(own: Option<&ImageHash>, text: Option<&String>) -> bool {
    match (own, text) {
        (Some(own), Some(text)) => own.is(text),
        (None, None) => true,
        _ => false,
    }
}

/// A user (a person or a bot), stored once however many guilds, members
/// and messages refer to it.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedUser {
    id: UserId,
    public_flags: u64,
    username: Box<str>,
    global_name: Option<Box<str>>,
    avatar: Option<ImageHash>,
    discriminator: u16,
    bits: u8,
}

/// `discriminator` of users on unique usernames (Discord's `"0"`).
const NO_DISCRIMINATOR: u16 = u16::MAX;
const BOT: u8 = 1;
const SYSTEM: u8 = 1 << 1;
const HAS_PUBLIC_FLAGS: u8 = 1 << 2;

impl CachedUser {
    pub(crate) fn new(user: &User) -> Self {
        let mut bits = 0;
        if user.bot {
            bits |= BOT;
        }
        if user.system {
            bits |= SYSTEM;
        }
        if user.public_flags.is_some() {
            bits |= HAS_PUBLIC_FLAGS;
        }
        Self {
            id: user.id,
            public_flags: user.public_flags.unwrap_or_default(),
            username: Box::from(user.username.as_str()),
            global_name: super::boxed(user.global_name.as_ref()),
            avatar: user.avatar.as_deref().map(ImageHash::new),
            discriminator: parse_discriminator(&user.discriminator),
            bits,
        }
    }

    /// Whether this is the same as `user`, compared without allocating (so
    /// that an unchanged user seen again is not rebuilt).
    pub(crate) fn matches(&self, user: &User) -> bool {
        self.id == user.id
            && *self.username == *user.username
            && self.global_name.as_deref() == user.global_name.as_deref()
            && same_hash(self.avatar.as_ref(), user.avatar.as_ref())
            && self.discriminator == parse_discriminator(&user.discriminator)
            && self.bot() == user.bot
            && self.system() == user.system
            && self.public_flags() == user.public_flags
    }

    /// User id.
    pub fn id(&self) -> UserId {
        self.id
    }

    pub(crate) fn id_ref(&self) -> &UserId {
        &self.id
    }

    /// Username; not unique across Discord for legacy users.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Display name, if set.
    pub fn global_name(&self) -> Option<&str> {
        self.global_name.as_deref()
    }

    /// The name to show: the display name if set, else the username.
    pub fn display_name(&self) -> &str {
        self.global_name().unwrap_or(&self.username)
    }

    /// Avatar hash.
    pub fn avatar(&self) -> Option<&ImageHash> {
        self.avatar.as_ref()
    }

    /// Legacy four-digit tag (`Some(42)` is `#0042`); `None` for users on
    /// unique usernames (Discord's `"0"`).
    ///
    /// A tag that is neither `"0"` nor four digits (Discord sends none) is
    /// read as `"0"`.
    pub fn discriminator(&self) -> Option<u16> {
        (self.discriminator != NO_DISCRIMINATOR).then_some(self.discriminator)
    }

    /// The tag as Discord sends it: `"0"` or four digits.
    pub fn discriminator_str(&self) -> String {
        self.discriminator()
            .map_or_else(|| "0".to_owned(), |d| format!("{d:04}"))
    }

    /// Whether the user is a bot.
    pub fn bot(&self) -> bool {
        self.bits & BOT != 0
    }

    /// Whether the user is an official Discord system user.
    pub fn system(&self) -> bool {
        self.bits & SYSTEM != 0
    }

    /// Public user flags, when Discord sent them.
    pub fn public_flags(&self) -> Option<u64> {
        (self.bits & HAS_PUBLIC_FLAGS != 0).then_some(self.public_flags)
    }
}

fn parse_discriminator(tag: &str) -> u16 {
    if tag.len() == 4 && tag.bytes().all(|b| b.is_ascii_digit()) {
        tag.parse().unwrap_or(NO_DISCRIMINATOR)
    } else {
        NO_DISCRIMINATOR
    }
}

/// The bot's own user, from `READY` and `USER_UPDATE`.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedCurrentUser {
    user: CachedUser,
    locale: Option<Box<str>>,
    flags: Option<u64>,
    mfa_enabled: bool,
    verified: bool,
}

impl CachedCurrentUser {
    pub(crate) fn new(user: &CurrentUser) -> Self {
        Self {
            user: CachedUser::new(&user.user),
            locale: super::boxed(user.locale.as_ref()),
            flags: user.flags,
            mfa_enabled: user.mfa_enabled,
            verified: user.verified,
        }
    }

    /// The user's public fields.
    pub fn user(&self) -> &CachedUser {
        &self.user
    }

    /// The bot's user id.
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// Chosen language.
    pub fn locale(&self) -> Option<&str> {
        self.locale.as_deref()
    }

    /// Private user flags.
    pub fn flags(&self) -> Option<u64> {
        self.flags
    }

    /// Whether two-factor authentication is on.
    pub fn mfa_enabled(&self) -> bool {
        self.mfa_enabled
    }

    /// Whether the email is verified.
    pub fn verified(&self) -> bool {
        self.verified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_read_back_exactly() {
        for text in [
            "1269e74af4df7417b13759eae50c83dc",
            "a_1269e74af4df7417b13759eae50c83dc",
            "1269E74AF4DF7417B13759EAE50C83DC",
            "a_",
            "",
            "short",
            "é269e74af4df7417b13759eae50c83d",
        ] {
            let hash = ImageHash::new(text);
            assert_eq!(hash.to_string(), text);
            assert!(hash.is(text));
            assert!(!hash.is("0269e74af4df7417b13759eae50c83dc"));
        }
        assert!(matches!(
            ImageHash::new("a_1269e74af4df7417b13759eae50c83dc").0,
            HashRepr::Packed { animated: true, .. }
        ));
    }

    #[test]
    fn discriminators() {
        let mut user = User {
            discriminator: "0".to_owned(),
            ..User::default()
        };
        assert_eq!(CachedUser::new(&user).discriminator(), None);
        for (tag, value) in [("0000", Some(0)), ("0042", Some(42)), ("9999", Some(9999))] {
            user.discriminator = tag.to_owned();
            let cached = CachedUser::new(&user);
            assert_eq!(cached.discriminator(), value);
            assert_eq!(cached.discriminator_str(), tag);
            assert!(cached.matches(&user));
        }
        user.discriminator = "12345".to_owned();
        assert_eq!(CachedUser::new(&user).discriminator(), None);
    }
}

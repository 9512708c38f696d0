//! Room names: what the start page proposes, and what a token may name.
//!
//! A proposed name is three made-up words of three syllables (consonant + vowel), like
//! `dakemo-lifuta-nerobi`: easy to read aloud and type, and 9 syllables from 14 × 5 = 70 give
//! 70^9 ≈ 4·10^16 names (55 bits). Guessing a room of a running meeting costs a stranger one
//! XMPP session and room join per guess; even at 1,000 guesses a second for a whole 8-hour meeting
//! (2.9·10^7 guesses) the chance of finding it is below one in a billion.

const CONSONANTS: &[u8; 14] = b"bdfgklmnprstvz";
const VOWELS: &[u8; 5] = b"aeiou";
const WORDS: usize = 3;
const SYLLABLES_PER_WORD: usize = 3;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RoomError {
    #[error("the room name must be 1 to 64 letters, digits, - or _")]
    Invalid,
}

/// A room name as Jitsi uses it in the URL and as prosody compares it (lower case).
pub fn room_name(requested: &str) -> Result<String, RoomError> {
    let room = requested.trim().to_ascii_lowercase();
    let valid =
        (1..=64).contains(&room.len()) && room.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then_some(room).ok_or(RoomError::Invalid)
}

/// A fresh unguessable name from the operating system's random source.
pub fn propose() -> String {
    let mut random = [0u8; WORDS * SYLLABLES_PER_WORD * 2];
    getrandom::fill(&mut random).expect("the operating system's random source");
    from_random(&random)
}

/// The name these random bytes pick (two bytes per syllable, so the modulo bias is negligible).
fn from_random(random: &[u8]) -> String {
    let syllables: Vec<String> = random
        .chunks_exact(2)
        .map(|pair| {
            let n = usize::from(u16::from_be_bytes([pair[0], pair[1]])) % (CONSONANTS.len() * VOWELS.len());
            format!(
                "{}{}",
                CONSONANTS[n / VOWELS.len()] as char,
                VOWELS[n % VOWELS.len()] as char
            )
        })
        .collect();
    syllables
        .chunks(SYLLABLES_PER_WORD)
        .map(|word| word.concat())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_are_three_readable_words_and_valid_rooms() {
        let name = propose();
        let words: Vec<&str> = name.split('-').collect();
        assert_eq!(words.len(), 3, "{name}");
        assert!(words.iter().all(|w| w.len() == 6), "{name}");
        assert_eq!(room_name(&name).as_deref(), Ok(name.as_str()));
        assert_ne!(propose(), propose(), "fresh each time");
    }

    #[test]
    fn every_syllable_is_reachable() {
        assert_eq!(from_random(&[0; 18]), "bababa-bababa-bababa");
        assert_eq!(from_random(&[0, 69].repeat(9)), "zuzuzu-zuzuzu-zuzuzu");
    }

    #[test]
    fn room_names_are_lower_case_and_plain() {
        assert_eq!(room_name(" Team-Sync_2 "), Ok("team-sync_2".into()));
        for bad in ["", "a b", "room/..", "é", &"x".repeat(65)] {
            assert_eq!(room_name(bad), Err(RoomError::Invalid), "{bad:?}");
        }
    }
}

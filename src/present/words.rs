//! Counted nouns as people write them: "1 user", "3 users", never "1 users".

/// `n` and the noun in its singular or plural form.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "user", "users"), "1 user");
        assert_eq!(count(0, "user", "users"), "0 users");
        assert_eq!(count(2, "member", "members"), "2 members");
        assert_eq!(count(21, "user", "users"), "21 users");
    }
}

//! Enums whose every value is one word (`ready`, `paid`, `billing_key`, `v1-json`, …),
//! written once: the store keeps most of them as TEXT columns (a payment's, billing
//! key's, verification's and schedule's status, a webhook's state, …), the merchant
//! its orders' status, and each needs the same word both ways, in Rust and in SQLite.
//! The enum itself (its variants, their docs, its serde names) stays where it means
//! something; the macro only adds what follows from its words.

/// For `$name`, whose variants are the words given: `as_str` (its word), `parse`
/// (the value of a word, exactly) and `Display` (the word). With `as column "what"`,
/// also `ToSql` (the word) and `FromSql` (a word that is none of them is an error
/// naming `what` and the word).
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $name {
            /// Its word: stored, sent and shown as such.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }

            /// The value whose word is `text`, exactly.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($word => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    ($name:ident as column $what:literal { $($words:tt)+ }) => {
        $crate::store::text_enum!($name { $($words)+ });

        impl ::rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> ::rusqlite::Result<::rusqlite::types::ToSqlOutput<'_>> {
                Ok(::rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl ::rusqlite::types::FromSql for $name {
            fn column_result(
                value: ::rusqlite::types::ValueRef<'_>,
            ) -> ::rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                Self::parse(text).ok_or_else(|| {
                    ::rusqlite::types::FromSqlError::Other(
                        format!("unknown {} `{text}`", $what).into(),
                    )
                })
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use crate::store::PaymentStatus;

    #[test]
    fn a_word_goes_both_ways_and_no_other_word_is_read() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let read: PaymentStatus = conn
            .query_row("SELECT ?1", [PaymentStatus::Cancelled], |row| row.get(0))
            .unwrap();
        assert_eq!(read, PaymentStatus::Cancelled);
        assert_eq!(PaymentStatus::Paid.to_string(), "paid");
        assert_eq!(PaymentStatus::parse("ready"), Some(PaymentStatus::Ready));
        assert_eq!(PaymentStatus::parse("Ready"), None);
        let unknown = conn.query_row("SELECT 'refunded'", [], |row| {
            row.get::<_, PaymentStatus>(0)
        });
        assert!(
            unknown.is_err_and(|err| err
                .to_string()
                .contains("unknown payment status `refunded`")),
            "a word of no value is an error"
        );
    }
}

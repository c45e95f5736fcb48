//! Known bugs, `#[ignore]`d: each expects the right behaviour. None is open (the last, an
//! integer beyond 64 bits called a YAML syntax error, was fixed on 2026-12-01 and its test
//! is now `corpus::an_integer_beyond_64_bits_is_called_too_large_not_a_syntax_error`).

//! JavaScript's number conversions, bit for bit: `Number::toString`, `StringToNumber`, `parseInt`,
//! `parseFloat`, `toFixed` and the `Math` functions whose edge cases (negative zero, NaN, halves) differ
//! from Rust's.

use super::string::trim_start;

/// 2^53 - 1 (JavaScript's `Number.MAX_SAFE_INTEGER`): every whole number up to it in size is a double of
/// its own; from 2^53 on, a double stands for more than one (`9007199254740993` reads as 2^53).
pub const MAX_EXACT_WHOLE: f64 = 9_007_199_254_740_991.0;

/// `x` as the whole number it is, when it is one and at most 2^53 - 1 in size: past that, the double
/// may not be the number written (JSON's `-9223372036854775809` reads as -2^63), so it is not taken for
/// any.
pub fn exact_whole(x: f64) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)]
    (x.fract() == 0.0 && x.abs() <= MAX_EXACT_WHOLE).then_some(x as i64)
}

/// `ToString(number)`, exactly as JavaScript prints numbers (`1e+21`, `0.30000000000000004`, `-0` → `0`).
pub fn to_string(x: f64) -> String {
    ryu_js::Buffer::new().format(x).to_owned()
}

/// `StringToNumber`: what `Number(s)` gives for a string (whitespace trimmed, `''` → 0, `0x..`, NaN).
pub fn string_to_number(s: &str) -> Result<f64, Inexact> {
    let text = super::string::trim(s);
    if text.is_empty() {
        return Ok(0.0);
    }
    let bytes = text.as_bytes();
    if bytes.len() > 2 && bytes[0] == b'0' {
        let radix = match bytes[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            let digits = &text[2..];
            return if digits.chars().all(|c| c.is_digit(radix)) {
                integer_in_radix(digits, radix)
            } else {
                Ok(f64::NAN)
            };
        }
    }
    let (sign, unsigned) = split_sign(text);
    if unsigned == "Infinity" {
        return Ok(sign * f64::INFINITY);
    }
    if unsigned_decimal_len(unsigned.as_bytes()) == unsigned.len() {
        Ok(parse_decimal(text))
    } else {
        Ok(f64::NAN)
    }
}

/// `parseFloat(s)`: the longest decimal prefix after leading whitespace, or NaN.
pub fn parse_float(s: &str) -> f64 {
    let text = trim_start(s);
    let (sign, unsigned) = split_sign(text);
    if unsigned.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let len = unsigned_decimal_len(unsigned.as_bytes());
    if len == 0 {
        return f64::NAN;
    }
    sign * parse_decimal(&unsigned[..len])
}

/// `parseInt(s, radix)`. `radix` is `None` when the argument is absent.
pub fn parse_int(s: &str, radix: Option<f64>) -> Result<f64, Inexact> {
    let text = trim_start(s);
    let (sign, mut digits) = split_sign(text);
    let mut radix = radix.map_or(0, to_int32);
    let mut strip_prefix = true;
    if radix != 0 {
        if !(2..=36).contains(&radix) {
            return Ok(f64::NAN);
        }
        strip_prefix = radix == 16;
    } else {
        radix = 10;
    }
    if strip_prefix && (digits.starts_with("0x") || digits.starts_with("0X")) {
        digits = &digits[2..];
        radix = 16;
    }
    let radix = radix.unsigned_abs();
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    let digits = &digits[..end];
    if digits.is_empty() {
        return Ok(f64::NAN);
    }
    Ok(sign * integer_in_radix(digits, radix)?)
}

/// A conversion whose exact JavaScript result routeflow does not reproduce (JavaScript engines may
/// approximate integers above 2^53 in radixes other than 10 and powers of two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inexact;

/// The integer written with `digits` (all valid) in `radix`, rounded to the nearest double.
fn integer_in_radix(digits: &str, radix: u32) -> Result<f64, Inexact> {
    if radix == 10 {
        return Ok(parse_decimal(digits));
    }
    if radix.is_power_of_two() {
        return Ok(binary_integer_to_f64(digits, radix));
    }
    let mut value: u128 = 0;
    for c in digits.chars() {
        let digit = u128::from(c.to_digit(radix).ok_or(Inexact)?);
        value = value
            .checked_mul(u128::from(radix))
            .and_then(|v| v.checked_add(digit))
            .ok_or(Inexact)?;
    }
    if value > 1 << 53 {
        return Err(Inexact);
    }
    Ok(value as f64)
}

/// Correctly rounded conversion of an integer in a power-of-two radix (round half to even).
fn binary_integer_to_f64(digits: &str, radix: u32) -> f64 {
    let bits_per_digit = radix.trailing_zeros();
    let mut bits = Vec::with_capacity(digits.len() * bits_per_digit as usize);
    for c in digits.chars() {
        let digit = c.to_digit(radix).unwrap_or(0);
        for shift in (0..bits_per_digit).rev() {
            bits.push((digit >> shift) & 1 == 1);
        }
    }
    let Some(first_one) = bits.iter().position(|&b| b) else {
        return 0.0;
    };
    let bits = &bits[first_one..];
    if bits.len() > 1024 {
        return f64::INFINITY;
    }
    let take = bits.len().min(53);
    let mut mantissa: u64 = bits[..take]
        .iter()
        .fold(0, |acc, &b| (acc << 1) | u64::from(b));
    let mut exponent = (bits.len() - take) as i32;
    if bits.len() > 53 {
        let round = bits[53];
        let sticky = bits[54..].iter().any(|&b| b);
        if round && (sticky || mantissa & 1 == 1) {
            mantissa += 1;
            if mantissa == 1 << 53 {
                mantissa >>= 1;
                exponent += 1;
            }
        }
    }
    let value = mantissa as f64 * 2f64.powi(exponent);
    if value.is_finite() {
        value
    } else {
        f64::INFINITY
    }
}

fn split_sign(text: &str) -> (f64, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (-1.0, &text[1..]),
        Some(b'+') => (1.0, &text[1..]),
        _ => (1.0, text),
    }
}

/// Length of the longest prefix of `b` that is a `StrUnsignedDecimalLiteral` (without `Infinity`).
fn unsigned_decimal_len(b: &[u8]) -> usize {
    let digits_from = |i: usize| {
        b[i.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let int_digits = digits_from(0);
    let mut len = int_digits;
    if b.get(len) == Some(&b'.') {
        let frac_digits = digits_from(len + 1);
        if int_digits + frac_digits > 0 {
            len += 1 + frac_digits;
        }
    }
    if len == 0 {
        return 0;
    }
    if matches!(b.get(len), Some(b'e' | b'E')) {
        let mut exp = len + 1;
        if matches!(b.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        let exp_digits = digits_from(exp);
        if exp_digits > 0 {
            len = exp + exp_digits;
        }
    }
    len
}

/// Parse text already validated as a signed decimal literal (Rust's parser is correctly rounded).
fn parse_decimal(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// `ToInt32`: wrap a number to a signed 32-bit integer as JavaScript's bitwise operators do.
pub fn to_int32(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    let wrapped = x.trunc().rem_euclid(4_294_967_296.0);
    (wrapped as u32) as i32
}

/// `ToIntegerOrInfinity`: truncate, with NaN → 0.
pub fn to_integer_or_infinity(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.trunc() + 0.0 }
}

/// `Math.round`: halves round up (towards +∞), and the sign of zero is kept.
pub fn round(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    if x > 0.0 && x < 0.5 {
        return 0.0;
    }
    if (-0.5..0.0).contains(&x) {
        return -0.0;
    }
    let floor = x.floor();
    if x - floor >= 0.5 { floor + 1.0 } else { floor }
}

/// `Math.max`: NaN wins, and +0 is larger than -0.
pub fn max(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut best = f64::NEG_INFINITY;
    for x in values {
        if x.is_nan() {
            return f64::NAN;
        }
        if x > best || (x == 0.0 && best == 0.0 && best.is_sign_negative()) {
            best = x;
        }
    }
    best
}

/// `Math.min`: NaN wins, and -0 is smaller than +0.
pub fn min(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut best = f64::INFINITY;
    for x in values {
        if x.is_nan() {
            return f64::NAN;
        }
        if x < best || (x == 0.0 && best == 0.0 && x.is_sign_negative()) {
            best = x;
        }
    }
    best
}

/// `Math.sign`.
pub fn sign(x: f64) -> f64 {
    if x.is_nan() || x == 0.0 {
        x
    } else {
        x.signum()
    }
}

/// `Number.prototype.toFixed(digits)`; `Err` carries JavaScript's RangeError text.
pub fn to_fixed(x: f64, digits: f64) -> Result<String, String> {
    let digits = to_integer_or_infinity(digits);
    if !(0.0..=100.0).contains(&digits) {
        return Err(format!(
            "toFixed() digits must be between 0 and 100, got {}",
            to_string(digits)
        ));
    }
    if x.is_nan() {
        return Ok("NaN".into());
    }
    if x.abs() >= 1e21 || x.is_infinite() {
        return Ok(to_string(x));
    }
    let digits = digits as usize;
    let negative = x < 0.0;
    // Every double has at most 1074 fractional digits, so this expansion is exact and the rounding below
    // can pick "the larger n" on an exact tie as the specification asks (Rust's formatter rounds to even).
    let exact = format!("{:.1074}", x.abs());
    let (int_part, frac_part) = exact.split_once('.').unwrap_or((&exact, ""));
    let mut kept: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes().take(digits))
        .collect();
    let round_up = frac_part.as_bytes().get(digits).is_some_and(|&d| d >= b'5');
    if round_up {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let int_len = kept.len() - digits;
    let mut out = String::with_capacity(kept.len() + 2);
    if negative {
        out.push('-');
    }
    out.push_str(std::str::from_utf8(&kept[..int_len]).unwrap_or("0"));
    if digits > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(&kept[int_len..]).unwrap_or(""));
    }
    Ok(out)
}

/// `Number.prototype.toString(radix)` for radix 2..=36.
///
/// ECMAScript leaves the digits of a non-decimal radix to the engine; routeflow produces node's (V8's):
/// fraction digits are generated only up to the precision of the input double, and the last one is
/// rounded half to even, carrying into earlier digits when needed.
pub fn to_string_radix(x: f64, radix: u32) -> String {
    if radix == 10 || x.is_nan() || x.is_infinite() {
        return to_string(x);
    }
    let radix_f = f64::from(radix);
    let digit_char = |d: u32| std::char::from_digit(d, radix).unwrap_or('0');
    let negative = x < 0.0;
    let value = x.abs();
    let mut integer = value.floor();
    let mut fraction = value - integer;
    // Half the gap to the next double: digits below it would be noise.
    let next = f64::from_bits(value.to_bits() + 1);
    let mut delta = (0.5 * (next - value)).max(f64::from_bits(1));
    let mut fraction_digits: Vec<u32> = Vec::new();
    if fraction >= delta {
        loop {
            fraction *= radix_f;
            delta *= radix_f;
            let digit = fraction as u32;
            fraction_digits.push(digit);
            fraction -= f64::from(digit);
            if (fraction > 0.5 || (fraction == 0.5 && digit & 1 == 1)) && fraction + delta > 1.0 {
                // Round up, carrying into earlier digits (and into the integer part past the point).
                loop {
                    match fraction_digits.pop() {
                        None => {
                            integer += 1.0;
                            break;
                        }
                        Some(d) if d + 1 < radix => {
                            fraction_digits.push(d + 1);
                            break;
                        }
                        Some(_) => {}
                    }
                }
                break;
            }
            if fraction < delta {
                break;
            }
        }
    }
    // Integer digits; beyond 2^53 the low digits are not represented and print as zeros.
    let mut integer_digits: Vec<char> = Vec::new();
    while integer / radix_f >= 9_007_199_254_740_992.0 {
        integer /= radix_f;
        integer_digits.push('0');
    }
    loop {
        let remainder = integer % radix_f;
        integer_digits.push(digit_char(remainder as u32));
        integer = (integer - remainder) / radix_f;
        if integer <= 0.0 {
            break;
        }
    }
    let mut out = String::with_capacity(integer_digits.len() + fraction_digits.len() + 2);
    if negative {
        out.push('-');
    }
    out.extend(integer_digits.iter().rev());
    if !fraction_digits.is_empty() {
        out.push('.');
        out.extend(fraction_digits.into_iter().map(digit_char));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_to_string_matches_javascript() {
        assert_eq!(to_string(1.5), "1.5");
        assert_eq!(to_string(0.1 * 3.0), "0.30000000000000004");
        assert_eq!(to_string(1e21), "1e+21");
        assert_eq!(to_string(1e-7), "1e-7");
        assert_eq!(to_string(-0.0), "0");
        assert_eq!(to_string(100.0), "100");
        assert_eq!(to_string(f64::NAN), "NaN");
        assert_eq!(to_string(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn string_to_number_follows_the_specification() {
        let n = |s| string_to_number(s).unwrap();
        assert_eq!(n(""), 0.0);
        assert_eq!(n("  12  "), 12.0);
        assert_eq!(n("0x1F"), 31.0);
        assert_eq!(n("0b101"), 5.0);
        assert_eq!(n("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(n("5."), 5.0);
        assert_eq!(n(".5"), 0.5);
        assert!(n("-0").is_sign_negative());
        assert!(n("1e").is_nan());
        assert!(n("-0x1").is_nan());
        assert!(n("inf").is_nan());
        assert!(n("1_000").is_nan());
        assert!(n(".").is_nan());
    }

    #[test]
    fn parse_int_and_parse_float() {
        let p = |s, r| parse_int(s, r).unwrap();
        assert_eq!(p("  42px", None), 42.0);
        assert_eq!(p("0x1f", None), 31.0);
        assert_eq!(p("0x1f", Some(16.0)), 31.0);
        assert_eq!(p("0x1f", Some(10.0)), 0.0);
        assert_eq!(p("z", Some(36.0)), 35.0);
        assert!(p("9", Some(1.0)).is_nan());
        assert!(p("-0", None).is_sign_negative());
        assert_eq!(p("1e3", None), 1.0);
        assert_eq!(parse_float("2.5abc"), 2.5);
        assert_eq!(parse_float("1e"), 1.0);
        assert_eq!(parse_float("-Infinityx"), f64::NEG_INFINITY);
        assert!(parse_float("abc").is_nan());
    }

    #[test]
    fn large_power_of_two_radix_integers_round_to_even() {
        // 2^53 + 1 lies exactly between two doubles: ties go to the even mantissa.
        assert_eq!(p16("20000000000001"), 9_007_199_254_740_992.0);
        assert_eq!(p16("20000000000003"), 9_007_199_254_740_996.0);
        fn p16(s: &str) -> f64 {
            parse_int(s, Some(16.0)).unwrap()
        }
    }

    #[test]
    fn math_edge_cases() {
        assert_eq!(round(2.5), 3.0);
        assert_eq!(round(-2.5), -2.0);
        assert!(round(-0.4).is_sign_negative());
        assert_eq!(round(0.49999999999999994), 0.0);
        assert!(max([0.0, -0.0]).is_sign_positive());
        assert!(min([0.0, -0.0]).is_sign_negative());
        assert!(max([1.0, f64::NAN]).is_nan());
        assert_eq!(max([]), f64::NEG_INFINITY);
    }

    #[test]
    fn to_fixed_rounds_exact_ties_up() {
        assert_eq!(to_fixed(0.5, 0.0).unwrap(), "1");
        assert_eq!(to_fixed(2.5, 0.0).unwrap(), "3");
        assert_eq!(to_fixed(1.005, 2.0).unwrap(), "1.00");
        assert_eq!(to_fixed(-1.5, 0.0).unwrap(), "-2");
        assert_eq!(to_fixed(-0.0001, 2.0).unwrap(), "-0.00");
        assert_eq!(to_fixed(99.99, 1.0).unwrap(), "100.0");
        assert_eq!(to_fixed(1e21, 2.0).unwrap(), "1e+21");
        assert!(to_fixed(1.0, 101.0).is_err());
    }

    #[test]
    fn radix_strings_match_v8() {
        assert_eq!(to_string_radix(255.0, 16), "ff");
        assert_eq!(to_string_radix(-255.5, 2), "-11111111.1");
        assert_eq!(
            to_string_radix(0.1, 2),
            "0.0001100110011001100110011001100110011001100110011001101"
        );
        assert_eq!(to_string_radix(1234.5678, 36), "ya.kfv9yqdpm");
        assert_eq!(to_string_radix(1e-7, 36), "0.000061oezo085tl");
        assert_eq!(to_string_radix(-0.0, 2), "0");
        assert_eq!(to_string_radix(1e21, 16), "3635c9adc5dea00000");
    }
}

//! JavaScript's own conversions and string rules, reproduced exactly so that every value routeflow
//! computes is the value node computes.

pub mod number;
pub mod string;

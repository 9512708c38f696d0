//! The dated AWS price table (`prices-us-east-1.json`) and what one meeting costs at its prices.
//! `make cost`, `make smoke` and the functions' end-of-meeting notification all price from here.

pub mod meeting;
pub mod table;

//! The `breakroom` server binary.

fn main() {
    println!("breakroom {}", env!("CARGO_PKG_VERSION"));
}

//! Writes 1 MiB of xorshift noise for the component to embed, making it about 1 MiB.

fn main() {
    let mut x: u32 = 0x9e37_79b9;
    let noise: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("noise.bin");
    std::fs::write(out, noise).expect("write noise");
}

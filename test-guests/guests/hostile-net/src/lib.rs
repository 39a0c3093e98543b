//! Tries to open a TCP connection. Linking std's sockets makes the component import
//! `wasi:sockets`, which the host links with every address refused.

use kiln_sdk::{Context, Error, Output, Plugin, PluginInfo};

struct Net;

impl Plugin for Net {
    type Params = ();

    fn info() -> PluginInfo {
        PluginInfo::new("hostile-net", "0.1.0")
            .description("Connects to a database port.")
            .metric("connected", "Set when the connection got through.")
    }

    fn run(_: &mut Context, _: ()) -> Result<Output, Error> {
        match std::net::TcpStream::connect("127.0.0.1:5432") {
            Ok(_) => Ok(Output::new().metric("connected", 1.0, "")),
            Err(e) => Err(Error::msg(format!("connect refused: {e}"))),
        }
    }
}

kiln_sdk::export!(Net);

//! Makes temporary credentials for one hour with fewer scopes, and asks the auth service what
//! they can do.
//!
//! ```sh
//! cargo run -p tc-client --example temporary_credentials -- 'queue:get-artifact:public/*'
//! ```

use std::time::Duration;

use tc_client::auth::Auth;
use tc_client::{ClientConfig, Credentials};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scopes: Vec<String> = std::env::args().skip(1).collect();
    let permanent = Credentials::from_env()?;
    let temporary = permanent.temporary(Duration::from_secs(3600), scopes)?;
    let config = ClientConfig::from_env()?.with_credentials(temporary);
    let current = Auth::new(&config).current_scopes().await?;
    for scope in current.scopes {
        println!("{scope}");
    }
    Ok(())
}

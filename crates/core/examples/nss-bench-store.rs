//! Makes the NSS database `bench/run` measures: `nss-bench-store FOLDER COUNT`
//! creates FOLDER's database if needed and adds COUNT generated identities
//! (see `NssStore::add_generated_identities`), in seconds where
//! `certutil -B` takes minutes.

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    use certdesk_core::store::nss::NssStore;

    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(folder), Some(Ok(count)), None) = (args.first(), args.get(1).map(|c| c.parse::<usize>()), args.get(2))
    else {
        eprintln!("usage: nss-bench-store FOLDER COUNT");
        return std::process::ExitCode::from(2);
    };
    let added = NssStore::open(std::path::Path::new(folder), true)
        .and_then(|store| store.add_generated_identities(count, time::OffsetDateTime::now_utc()));
    match added {
        Ok(added) => {
            println!("nss-bench-store: added {added} certificates to {folder}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nss-bench-store: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(unix))]
fn main() {
    eprintln!("nss-bench-store: NSS databases are made on Linux");
}

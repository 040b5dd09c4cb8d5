//! For Windows, `certdesk.exe`'s icon and version resources: what Explorer's
//! Properties, Task Manager and an admin's inventory tools show. The gnu
//! target (scripts/package-windows) compiles them with mingw's `windres`
//! (`WINDRES` names another); the msvc target would need `rc.exe` on a
//! Windows machine, so it builds without them. Other targets need nothing.

use std::path::PathBuf;
use std::{env, fs, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WINDRES");
    let target = |key: &str| env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") != "windows" || target("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    // Read when the script runs, not baked in when it is compiled: a build
    // cache shared by clones in other folders reuses the compiled script.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let icon = PathBuf::from(manifest_dir).join("../../icons/icon.ico");
    println!("cargo:rerun-if-changed={}", icon.display());
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let script = out.join("certdesk.rc");
    fs::write(&script, resource_script(&icon)).expect("OUT_DIR is writable");
    let object = out.join("certdesk-resources.o");
    let windres = env::var("WINDRES").unwrap_or_else(|_| "x86_64-w64-mingw32-windres".to_owned());
    let status = Command::new(&windres)
        .args(["--input-format=rc", "--output-format=coff", "-c", "65001", "-i"])
        .arg(&script)
        .arg("-o")
        .arg(&object)
        .status()
        .unwrap_or_else(|e| {
            panic!("{windres} did not run ({e}): install mingw-w64 (binutils-mingw-w64-x86-64) or set WINDRES")
        });
    assert!(status.success(), "{windres} could not compile {}", script.display());
    println!("cargo:rustc-link-arg-bins={}", object.display());
}

/// The icon and a VERSIONINFO block from the package's version.
fn resource_script(icon: &std::path::Path) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let numbers: Vec<u16> =
        version.split(['.', '-']).filter_map(|part| part.parse().ok()).chain([0; 4]).take(4).collect();
    let comma = numbers.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
    let icon = icon.display().to_string().replace('\\', "/");
    format!(
        r#"#pragma code_page(65001)
1 ICON "{icon}"
1 VERSIONINFO
FILEVERSION {comma}
PRODUCTVERSION {comma}
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "certdesk"
      VALUE "FileDescription", "certdesk: find, check, export and clean up your personal certificates"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "certdesk"
      VALUE "OriginalFilename", "certdesk.exe"
      VALUE "ProductName", "certdesk"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#
    )
}

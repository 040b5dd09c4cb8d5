# Intune remediation detection script (also usable as an SCCM configuration
# item's discovery script): runs `certdesk check` for the signed-in user and
# maps its exit code to what Intune expects. Not run by certdesk's tests
# (no Windows here); certdesk's exit codes are tested.
#
#   certdesk exit  meaning                                      this script exits
#   0              nothing to do                                0 (compliant)
#   3              a certificate is in its renewal window       1 (run remediation / notify)
#   4              a certificate has expired, none renewed      1
#   1, 2           certdesk could not check                     1, and the reason is printed
#
# Deploy it "Run this script using the logged-on credentials": Yes, since
# personal certificates live in the user's store (CurrentUser\My).
$certdesk = Join-Path $env:LOCALAPPDATA 'Programs\certdesk\certdesk.exe'
if (-not (Test-Path $certdesk)) { $certdesk = 'certdesk.exe' }
$report = & $certdesk --json check 2>&1
$code = $LASTEXITCODE
Write-Output ($report -join "`n")
switch ($code) {
  0 { exit 0 }
  3 { exit 1 }
  4 { exit 1 }
  default { Write-Output "certdesk could not check (exit $code)"; exit 1 }
}

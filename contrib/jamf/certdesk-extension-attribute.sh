#!/bin/sh
# Jamf Pro extension attribute: "Certificates to renew". Runs `certdesk check`
# as the console user (personal certificates are in their login keychain)
# and reports one word Jamf can build smart groups on. Not run by
# certdesk's tests (no Mac here); certdesk's exit codes are tested.
#
#   certdesk exit  <result>
#   0              ok
#   3              renewal-due
#   4              expired
#   other          unknown (certdesk could not check; not installed, or no user)
certdesk=/usr/local/bin/certdesk
user=$(/usr/bin/stat -f %Su /dev/console)
if [ -z "$user" ] || [ "$user" = root ] || [ ! -x "$certdesk" ]; then
  echo "<result>unknown</result>"
  exit 0
fi
/usr/bin/sudo -u "$user" "$certdesk" check >/dev/null 2>&1
case $? in
  0) echo "<result>ok</result>" ;;
  3) echo "<result>renewal-due</result>" ;;
  4) echo "<result>expired</result>" ;;
  *) echo "<result>unknown</result>" ;;
esac

#!/bin/sh
# Runs at container start (nginx's /docker-entrypoint.d): writes the dashboard's config.js from
# MYSQL_SYNC_API_URL, byte for byte what server/static-server.js's runtimeConfigScript() serves for `npm start`:
#
#   window.__MYSQL_SYNC_CONFIG__ = {"apiUrl":"https://sync-api.example.com"};
#
# and content-security-policy.conf beside it, which nginx.conf includes: the Content-Security-Policy header of
# static-server.js's contentSecurityPolicy(), which lets the page connect to the API's origin. Without that file
# nginx does not start.
#
# An unusable URL stops the container with a message (the entrypoint stops on a failing script), as the static
# server stops on one, instead of a dashboard that cannot reach anything.
#
#   MYSQL_SYNC_API_URL              core-sync's base URL as the browser reaches it (default http://localhost:8080)
#   MYSQL_SYNC_UI_CONFIG_DIRECTORY  where config.js goes (default /tmp/mysql-sync-ui; nginx.conf serves it from there)
set -eu

api_url="${MYSQL_SYNC_API_URL:-http://localhost:8080}"
config_directory="${MYSQL_SYNC_UI_CONFIG_DIRECTORY:-/tmp/mysql-sync-ui}"

fail() {
  echo "mysql-sync web-ui: MYSQL_SYNC_API_URL $1, got \"$api_url\"" >&2
  exit 1
}

case "$api_url" in
  http://?* | https://?*) ;;
  *) fail "must be an absolute http or https URL (such as https://sync-api.example.com)" ;;
esac
# Printable ASCII only, and nothing a JavaScript string would need escaped: the value is written as it is.
case "$api_url" in
  *[!!-~]* | *\"* | *\\*) fail "may hold only printable ASCII characters other than quotes and backslashes" ;;
esac
# The origin goes into the Content-Security-Policy: a host name or address and a port, nothing that could add a
# directive of its own (static-server.js's apiOriginPattern).
authority="${api_url#*://}"
origin="${api_url%%://*}://${authority%%[/?#]*}"
if ! printf '%s\n' "$origin" | grep -Eq '^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$'; then
  fail "must start with http:// or https://, a host name or address and an optional port (no user name)"
fi
while [ "${api_url%/}" != "$api_url" ]; do
  api_url="${api_url%/}"
done

policy="default-src 'self'; connect-src 'self' $origin; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

mkdir -p "$config_directory"
printf 'window.__MYSQL_SYNC_CONFIG__ = {"apiUrl":"%s"};\n' "$api_url" >"$config_directory/config.js.tmp"
printf 'add_header Content-Security-Policy "%s" always;\n' "$policy" >"$config_directory/content-security-policy.conf.tmp"
mv "$config_directory/config.js.tmp" "$config_directory/config.js"
mv "$config_directory/content-security-policy.conf.tmp" "$config_directory/content-security-policy.conf"
echo "mysql-sync web-ui: config.js points the dashboard at $api_url"

#!/bin/sh
# Installs /health: a CGI check that the product's config and the app are in
# place (a load balancer or a deploy asks it before sending traffic).
set -e
cat >/www/cgi-bin/health <<'CGI'
#!/bin/sh
# busybox httpd passes a CGI's header lines on as they are: HTTP wants CRLF.
printf 'Content-Type: text/plain\r\n\r\n'
if [ -r /etc/example/product.conf ] && [ -x /www/cgi-bin/hello ]; then
  echo "ok"
else
  echo "broken"
fi
CGI
chmod 0755 /www/cgi-bin/health
echo "product $PRODUCT: health endpoint installed at /cgi-bin/health"

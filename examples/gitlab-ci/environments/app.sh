#!/bin/sh
# The VM's startup-script: the app answers / with its greeting and its
# environment, then /ready, which the health check asks.
env=$(wget -q -O - --header "Metadata-Flavor: Google" http://169.254.169.254/computeMetadata/v1/instance/attributes/APP_ENV)
echo "$(cat /etc/example/greeting) ($env)" >/www/index.html
echo ok >/www/ready

#!/bin/sh
# Run at start by the base image's entrypoint, except in safemode instances.
echo "web: local setup" >/var/log/web-local.log

#!/usr/bin/env bash
# Install the system packages the tests need (Debian): chromium and CJK fonts (browser tests, pages printed to PDF),
# PostgreSQL (SQL store tests), poppler-utils and img2pdf (scanned renderings for the OCR tests).
# Idempotent; does nothing when they are already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then need+=(fonts-noto-cjk); fi
# PostgreSQL server binaries: the test suite starts its own cluster (eval/servers.py)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
# Format-invariance tests: scans made from PDFs (pdftoppm from poppler-utils, img2pdf)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v img2pdf >/dev/null 2>&1 || need+=(img2pdf)
# OCR (rapidocr-onnxruntime pulls opencv-python, which links libGL and GLib)
ldconfig -p 2>/dev/null | grep -q "libGL.so.1" || need+=(libgl1)
ldconfig -p 2>/dev/null | grep -q "libglib-2.0.so.0" || need+=(libglib2.0-0)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null

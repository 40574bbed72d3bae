/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 (FIPS 180-4): the shim names its socket after a digest, as containerd's shims do. */
#ifndef REAPER_SHA256_H
#define REAPER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);
/* The digest as 64 lowercase hex digits plus NUL. */
void sha256_hex(const void *data, size_t len, char hex[2 * SHA256_DIGEST_SIZE + 1]);

#endif

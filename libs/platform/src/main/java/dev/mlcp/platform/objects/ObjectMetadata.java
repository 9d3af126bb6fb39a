package dev.mlcp.platform.objects;

import java.time.Instant;

/**
 * What the store knows about one object version.
 *
 * @param uri the object
 * @param size size in bytes
 * @param generation version number; changes on every write, never 0 for an existing object
 * @param crc32c CRC32C of the content, base64 of the big-endian 4 bytes (as GCS reports it)
 * @param md5 MD5 of the content, base64 (as GCS reports it); null for composite objects
 * @param contentType MIME type, may be null
 * @param updated time of the last write
 */
public record ObjectMetadata(
    ObjectUri uri,
    long size,
    long generation,
    String crc32c,
    String md5,
    String contentType,
    Instant updated) {}

package dev.mlcp.web.token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The local-mode signing key pair in a directory: {@value #PRIVATE_KEY} (PKCS#8 PEM, owner-only)
 * and {@value #PUBLIC_KEY} (X.509 PEM, what services verify with).
 */
public final class LocalKeys {

  /** File name of the private key. */
  public static final String PRIVATE_KEY = "private-key.pem";

  /** File name of the public key. */
  public static final String PUBLIC_KEY = "public-key.pem";

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private LocalKeys() {}

  /**
   * Generates an RSA-2048 pair into {@code dir}, creating it owner-only if missing. Refuses to
   * replace an existing private key, so services configured with the old public key keep working.
   *
   * @return the public key file
   */
  public static Path generate(Path dir) throws IOException {
    Path privateKey = dir.resolve(PRIVATE_KEY);
    if (Files.exists(privateKey)) {
      throw new FileAlreadyExistsException(
          privateKey.toString(), null, "a key already exists; delete the directory to replace it");
    }
    if (!Files.isDirectory(dir)) {
      if (POSIX) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir);
      }
    }
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      pair = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA key generation is required of every JVM", e);
    }
    // Created owner-only before any byte of the key is written.
    if (POSIX) {
      Files.createFile(
          privateKey,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(privateKey);
    }
    Files.writeString(
        privateKey, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
    Path publicKey = dir.resolve(PUBLIC_KEY);
    Files.writeString(
        publicKey, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
    return publicKey;
  }

  /** Reads the private key of a directory written by {@link #generate(Path)}. */
  public static PrivateKey privateKey(Path dir) throws IOException {
    Path file = dir.resolve(PRIVATE_KEY);
    if (!Files.isReadable(file)) {
      throw new IOException("no readable " + PRIVATE_KEY + " in " + dir + "; run keygen first");
    }
    String body =
        Files.readString(file, StandardCharsets.US_ASCII)
            .replaceAll("-----[A-Z ]+-----", "")
            .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + " is not an RSA private key in PKCS#8 PEM form", e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}

package dev.bootcluster.sample.e2e;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A PKCS12 key store with a fresh self-signed certificate for {@code 127.0.0.1}, made by
 * the JDK's keytool as a user would, and a client {@link SSLContext} that trusts exactly
 * that certificate (stricter than trusting all: a handshake proves the worker serves the
 * configured key store).
 *
 * @param file the key store
 * @param password its password (store and key)
 * @param certificate the certificate the servers present
 * @param clientContext trusts {@code certificate} only
 */
record TestKeyStore(Path file, String password, X509Certificate certificate, SSLContext clientContext) {

	static final String ALIAS = "e2e";

	/** Generates the key store into {@code directory}. */
	static TestKeyStore generate(Path directory) throws Exception {
		Path file = directory.resolve("e2e-keystore.p12");
		Path log = directory.resolve("keytool.log");
		String password = UUID.randomUUID().toString();
		Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
				"-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname",
				"CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore",
				file.toString(), "-storepass", password, "-keypass", password)
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		if (!keytool.waitFor(60, TimeUnit.SECONDS)) {
			keytool.destroyForcibly();
			throw new IllegalStateException("keytool did not finish within 60 s");
		}
		if (keytool.exitValue() != 0) {
			throw new IllegalStateException("keytool failed with " + keytool.exitValue() + ": "
					+ Files.readString(log, StandardCharsets.UTF_8));
		}
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(file)) {
			store.load(in, password.toCharArray());
		}
		X509Certificate certificate = (X509Certificate) store.getCertificate(ALIAS);
		KeyStore trusted = KeyStore.getInstance("PKCS12");
		trusted.load(null, null);
		trusted.setCertificateEntry(ALIAS, certificate);
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trust.init(trusted);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trust.getTrustManagers(), null);
		return new TestKeyStore(file, password, certificate, context);
	}

	/**
	 * The {@code server.ssl.*} arguments that make the main port serve HTTPS with this
	 * key store.
	 */
	List<String> serverArgs() {
		return List.of("--server.ssl.key-store=" + this.file, "--server.ssl.key-store-type=PKCS12",
				"--server.ssl.key-store-password=" + this.password, "--server.ssl.key-alias=" + ALIAS);
	}

}

package dev.bootcluster.session;

/**
 * A session attribute cannot be stored in the cluster's session store: its value cannot
 * be encoded to bytes (with the default codec, its class is not {@code Serializable}).
 * Thrown by {@code HttpSession.setAttribute} (and when the session is saved, for a value
 * that stopped being encodable), so the request that set it fails with this message
 * rather than losing the attribute on the next worker.
 */
public class SessionAttributeEncodingException extends IllegalArgumentException {

	private final String attributeName;

	private final String valueType;

	public SessionAttributeEncodingException(String attributeName, Object value, Throwable cause) {
		super("Session attribute '" + attributeName + "' of class " + value.getClass().getName()
				+ " cannot be stored in the cluster's session store: " + rootMessage(cause)
				+ ". Session attributes travel between workers as bytes (JDK serialization, as with Spring Session "
				+ "JDBC and Redis): make the class Serializable, or store a value that is", cause);
		this.attributeName = attributeName;
		this.valueType = value.getClass().getName();
	}

	private static String rootMessage(Throwable cause) {
		Throwable root = cause;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
	}

	/** The name of the attribute that could not be encoded. */
	public String getAttributeName() {
		return this.attributeName;
	}

	/** The class of its value. */
	public String getValueType() {
		return this.valueType;
	}

}

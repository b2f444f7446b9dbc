package org.selbuild.runtime;

/** The runtime rejected a program (verification, missing kernel, version) or a run failed. */
public class SelrtException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SelrtException(String message) {
        super(message);
    }
}

package org.selbuild.runtime;

import java.nio.ByteBuffer;

/** The JNI entry points (runtime_src/jni/selrt_jni.c), which check every argument. */
final class Native {
    /** The library's name for System.loadLibrary; the package build writes the configured one. */
    static final String LIBRARY = "selrt";

    static {
        System.loadLibrary(LIBRARY);
    }

    private Native() {}

    static native long load(ByteBuffer program, long offset, long length);
    static native void freeProgram(long program);
    static native long createSession(long program);
    static native void freeSession(long session);
    static native int count(long session, boolean output);
    static native int find(long session, boolean output, String name);
    static native String name(long session, boolean output, int index);
    static native int[] shape(long session, boolean output, int index);
    static native int dtype(long session, boolean output, int index);
    static native float scale(long session, boolean output, int index);
    static native int zeroPoint(long session, boolean output, int index);
    static native long byteSize(long session, boolean output, int index);
    static native void writeBuffer(long session, int index, ByteBuffer buf, long position, long remaining);
    static native void readBuffer(long session, int index, ByteBuffer buf, long position, long remaining);
    static native void writeFloats(long session, int index, float[] values);
    static native void readFloats(long session, int index, float[] values);
    static native void writeBytes(long session, int index, byte[] values);
    static native void readBytes(long session, int index, byte[] values);
    static native void run(long session);
    static native String version();
}

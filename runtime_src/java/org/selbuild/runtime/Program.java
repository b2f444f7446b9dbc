package org.selbuild.runtime;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A verified .selrt program. The bytes stay mapped (or referenced) while the
 * program is open, because the runtime reads weights in place; do not modify
 * a buffer passed to {@link #fromByteBuffer}. Close it (or use
 * try-with-resources) to free it; closing also closes its sessions.
 */
public final class Program implements AutoCloseable {
    private long handle;
    private final ByteBuffer bytes;          // keeps the program bytes alive
    private final List<Session> sessions = new ArrayList<Session>();

    private Program(ByteBuffer bytes, long offset, long length) {
        this.bytes = bytes;
        this.handle = Native.load(bytes, offset, length);
    }

    /** Maps the file read-only. */
    public static Program fromFile(File file) throws IOException {
        RandomAccessFile f = new RandomAccessFile(file, "r");
        try {
            return fromChannel(f.getChannel(), 0, f.length());
        } finally {
            f.close();
        }
    }

    public static Program fromFile(String path) throws IOException {
        return fromFile(new File(path));
    }

    /** Maps [offset, offset+length) of a file channel (e.g. an uncompressed APK asset). */
    public static Program fromChannel(FileChannel channel, long offset, long length) throws IOException {
        return new Program(channel.map(FileChannel.MapMode.READ_ONLY, offset, length), 0, length);
    }

    /** A direct ByteBuffer: the bytes from its position to its limit. */
    public static Program fromByteBuffer(ByteBuffer buffer) {
        if (buffer == null) throw new NullPointerException("buffer is null");
        return new Program(buffer, buffer.position(), buffer.remaining());
    }

    /**
     * An asset of an Android app: {@code Program.fromAsset(context.getAssets(), "model.selrt")}.
     * The package stores .selrt assets uncompressed and 16-byte aligned, so they are
     * mapped, not copied. Reflection keeps this class free of android.jar.
     */
    public static Program fromAsset(Object assetManager, String name) throws IOException {
        try {
            Object afd = assetManager.getClass().getMethod("openFd", String.class).invoke(assetManager, name);
            Class<?> c = afd.getClass();
            long start = (Long) c.getMethod("getStartOffset").invoke(afd);
            long length = (Long) c.getMethod("getLength").invoke(afd);
            Object in = c.getMethod("createInputStream").invoke(afd);
            Method getChannel = in.getClass().getMethod("getChannel");
            FileChannel ch = (FileChannel) getChannel.invoke(in);
            try {
                return fromChannel(ch, start, length);
            } finally {
                ch.close();
                c.getMethod("close").invoke(afd);
            }
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof IOException) throw (IOException) t;
            if (t instanceof RuntimeException) throw (RuntimeException) t;
            throw new IOException("cannot open asset " + name + ": " + t, t);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("not an android.content.res.AssetManager: " + e, e);
        }
    }

    /** A session with its own arena; sessions of one program may run on different threads. */
    public synchronized Session newSession() {
        Session s = new Session(this, Native.createSession(live()));
        sessions.add(s);
        return s;
    }

    synchronized long live() {
        if (handle == 0) throw new IllegalStateException("the program is closed");
        return handle;
    }

    synchronized void forget(Session s) {
        sessions.remove(s);
    }

    public synchronized boolean isClosed() {
        return handle == 0;
    }

    /** The runtime library's version. */
    public static String runtimeVersion() {
        return Native.version();
    }

    @Override
    public synchronized void close() {
        for (Session s : new ArrayList<Session>(sessions)) s.close();
        if (handle != 0) {
            Native.freeProgram(handle);
            handle = 0;
        }
    }
}

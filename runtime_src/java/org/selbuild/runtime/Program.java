package org.selbuild.runtime;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A verified .selrt program. The bytes stay mapped (or referenced) while the
 * program is open, because the runtime reads weights in place; do not modify
 * a buffer passed to {@link #fromByteBuffer}. Close it (or use
 * try-with-resources) to free it; closing also closes its sessions.
 */
public final class Program implements AutoCloseable {
    private long handle;
    private final ByteBuffer bytes;          // keeps the program bytes alive
    private final int start;                 // where the program begins in `bytes`
    private final List<Session> sessions = new ArrayList<Session>();

    private Program(ByteBuffer bytes, long offset, long length) {
        this.bytes = bytes;
        this.start = (int) offset;
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

    /**
     * The program's metadata, in program order: where it came from ({@code source},
     * {@code source_sha256}, {@code selbuild_version}) and what the converter carried over
     * from the model ({@code model.*} keys; {@code model.app} is JSON with the TFLite
     * metadata: name, description, normalization, labels). Read in Java from the program bytes, which the
     * runtime verified completely when the program was loaded.
     */
    public synchronized Map<String, String> metadata() {
        live();
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        Map<String, String> out = new LinkedHashMap<String, String>();
        int root = start + b.getInt(start);
        int vec = field(b, root, PROGRAM_METADATA);
        if (vec != 0) {
            vec += b.getInt(vec);
            int n = b.getInt(vec);
            for (int i = 0; i < n; i++) {
                int kv = vec + 4 + 4 * i;
                kv += b.getInt(kv);
                out.put(string(b, field(b, kv, 0)), string(b, field(b, kv, 1)));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static final int PROGRAM_METADATA = 8;   // Program.metadata's field slot (schema/program.fbs)

    /** Where field `slot` of the flatbuffer table at `table` is, or 0 when absent. */
    private static int field(ByteBuffer b, int table, int slot) {
        int vt = table - b.getInt(table);
        int at = 4 + 2 * slot;
        if (at >= (b.getShort(vt) & 0xffff)) return 0;
        int off = b.getShort(vt + at) & 0xffff;
        return off == 0 ? 0 : table + off;
    }

    private static String string(ByteBuffer b, int pos) {
        if (pos == 0) return "";
        int s = pos + b.getInt(pos);
        byte[] text = new byte[b.getInt(s)];
        for (int i = 0; i < text.length; i++) text[i] = b.get(s + 4 + i);
        return new String(text, StandardCharsets.UTF_8);
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

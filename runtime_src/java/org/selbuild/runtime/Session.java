package org.selbuild.runtime;

import java.nio.ByteBuffer;

/**
 * One arena over a program: set inputs, {@link #run}, read outputs. Inputs and
 * outputs are addressed by index or name. float[] fits float32 tensors,
 * byte[] int8/uint8/bool ones, a direct ByteBuffer (native byte order) any
 * tensor; the size must equal {@link TensorInfo#byteSize}. A wrong size,
 * dtype, index or a closed session throws; nothing is copied then.
 */
public final class Session implements AutoCloseable {
    private final Program program;
    private long handle;

    Session(Program program, long handle) {
        this.program = program;
        this.handle = handle;
    }

    private synchronized long h() {
        if (handle == 0) throw new IllegalStateException("the session is closed");
        return handle;
    }

    public synchronized int inputCount() {
        return Native.count(h(), false);
    }

    public synchronized int outputCount() {
        return Native.count(h(), true);
    }

    private synchronized TensorInfo info(boolean output, int i) {
        long s = h();
        return new TensorInfo(i, Native.name(s, output, i), Native.shape(s, output, i),
                DType.of(Native.dtype(s, output, i)), Native.scale(s, output, i),
                Native.zeroPoint(s, output, i), (int) Native.byteSize(s, output, i));
    }

    private synchronized int index(boolean output, String name) {
        int i = Native.find(h(), output, name);
        if (i < 0) throw new IllegalArgumentException("no " + (output ? "output" : "input") + " named '" + name + "'");
        return i;
    }

    public TensorInfo input(int index) { return info(false, index); }
    public TensorInfo input(String name) { return info(false, index(false, name)); }
    public TensorInfo output(int index) { return info(true, index); }
    public TensorInfo output(String name) { return info(true, index(true, name)); }

    public synchronized void setInput(int index, float[] values) { Native.writeFloats(h(), index, values); }
    public synchronized void setInput(int index, byte[] values) { Native.writeBytes(h(), index, values); }

    /** Copies buf's bytes from its position to its limit (not advanced). */
    public synchronized void setInput(int index, ByteBuffer buf) {
        if (buf == null) throw new NullPointerException("buffer is null");
        Native.writeBuffer(h(), index, buf, buf.position(), buf.remaining());
    }

    public void setInput(String name, float[] values) { setInput(index(false, name), values); }
    public void setInput(String name, byte[] values) { setInput(index(false, name), values); }
    public void setInput(String name, ByteBuffer buf) { setInput(index(false, name), buf); }

    public synchronized void run() { Native.run(h()); }

    public synchronized void getOutput(int index, float[] out) { Native.readFloats(h(), index, out); }
    public synchronized void getOutput(int index, byte[] out) { Native.readBytes(h(), index, out); }

    /** Fills buf from its position (not advanced); remaining() must equal the output's byteSize. */
    public synchronized void getOutput(int index, ByteBuffer buf) {
        if (buf == null) throw new NullPointerException("buffer is null");
        Native.readBuffer(h(), index, buf, buf.position(), buf.remaining());
    }

    public float[] getOutputFloats(int index) {
        float[] out = new float[output(index).byteSize / 4];
        getOutput(index, out);
        return out;
    }

    public byte[] getOutputBytes(int index) {
        byte[] out = new byte[output(index).byteSize];
        getOutput(index, out);
        return out;
    }

    public float[] getOutputFloats(String name) { return getOutputFloats(index(true, name)); }
    public byte[] getOutputBytes(String name) { return getOutputBytes(index(true, name)); }

    public boolean isClosed() {
        synchronized (this) {
            return handle == 0;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (handle == 0) return;
            Native.freeSession(handle);
            handle = 0;
        }
        program.forget(this);
    }
}

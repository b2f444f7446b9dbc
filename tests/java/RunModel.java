// Test driver of the AAR's Java API on the host JVM (tests/test_java_api.py).
//   run PROGRAM IN_DIR OUT_DIR [CONTAINER OFFSET]  inputs input_<i>.bin -> outputs output_<i>.bin;
//       the program is loaded three ways (file, direct ByteBuffer at an unaligned
//       offset, an "asset" at OFFSET in CONTAINER), all must agree
//   misuse PROGRAM                                each misuse must throw its exception
// The test rewrites the import below to the package under test.
import org.selbuild.runtime.*;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;

public class RunModel {
    public static final class FakeAfd {
        final File file; final long start, length;
        FakeAfd(File f, long s, long n) { file = f; start = s; length = n; }
        public long getStartOffset() { return start; }
        public long getLength() { return length; }
        public FileInputStream createInputStream() throws IOException { return new FileInputStream(file); }
        public void close() {}
    }

    public static final class FakeAssets {       // the AssetManager.openFd contract
        final File file; final long start, length;
        FakeAssets(File f, long s, long n) { file = f; start = s; length = n; }
        public FakeAfd openFd(String name) throws IOException {
            if (!name.equals("model.selrt")) throw new IOException("no asset " + name);
            return new FakeAfd(file, start, length);
        }
    }

    static byte[][] runOnce(Program p, File in, boolean print) throws IOException {
        try (Session s = p.newSession()) {
            for (int i = 0; i < s.inputCount(); i++) {
                TensorInfo t = s.input(i);
                if (print) System.out.println("input " + i + " " + t.name + " " + Arrays.toString(t.shape()) + " "
                        + t.dtype + " " + t.scale + " " + t.zeroPoint + " " + t.byteSize);
                byte[] raw = Files.readAllBytes(new File(in, "input_" + i + ".bin").toPath());
                if (t.dtype == DType.FLOAT32) {
                    float[] f = new float[raw.length / 4];
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
                    s.setInput(t.name, f);
                } else if (t.dtype.byteSize == 1) {
                    s.setInput(i, raw);
                } else {
                    ByteBuffer b = ByteBuffer.allocateDirect(raw.length).order(ByteOrder.nativeOrder());
                    b.put(raw).flip();
                    s.setInput(i, b);
                }
            }
            s.run();
            byte[][] out = new byte[s.outputCount()][];
            for (int i = 0; i < out.length; i++) {
                TensorInfo t = s.output(i);
                if (print) System.out.println("output " + i + " " + t.name + " " + Arrays.toString(t.shape()) + " "
                        + t.dtype + " " + t.scale + " " + t.zeroPoint + " " + t.byteSize);
                ByteBuffer b = ByteBuffer.allocateDirect(t.byteSize).order(ByteOrder.LITTLE_ENDIAN);
                s.getOutput(i, b);
                out[i] = new byte[t.byteSize];
                b.get(out[i]);
                byte[] viaArray;
                if (t.dtype == DType.FLOAT32) {
                    float[] f = s.getOutputFloats(t.name);
                    ByteBuffer w = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    w.asFloatBuffer().put(f);
                    viaArray = w.array();
                } else if (t.dtype.byteSize == 1) {
                    viaArray = s.getOutputBytes(i);
                } else {
                    viaArray = out[i];
                }
                if (!Arrays.equals(viaArray, out[i])) throw new AssertionError("array and ByteBuffer outputs differ");
            }
            return out;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("run")) {
            File prog = new File(args[1]), in = new File(args[2]), out = new File(args[3]);
            System.out.println("version " + Program.runtimeVersion());
            byte[][] a;
            Map<String, String> meta;
            try (Program p = Program.fromFile(prog)) {
                a = runOnce(p, in, true);
                meta = p.metadata();
                for (Map.Entry<String, String> e : meta.entrySet())
                    System.out.println("meta " + e.getKey() + "=" + e.getValue().replace("\\", "\\\\").replace("\n", "\\n"));
            }
            byte[] bytes = Files.readAllBytes(prog.toPath());
            ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length + 19);
            direct.position(3);
            direct.put(bytes);
            direct.position(3);
            direct.limit(3 + bytes.length);
            byte[][] b;
            try (Program p = Program.fromByteBuffer(direct)) {
                b = runOnce(p, in, false);
                if (!p.metadata().equals(meta)) throw new AssertionError("metadata differs for a ByteBuffer at 3");
            }
            File container = new File(args[4]);
            long off = Long.parseLong(args[5]);
            byte[][] c;
            try (Program p = Program.fromAsset(new FakeAssets(container, off, bytes.length), "model.selrt")) {
                c = runOnce(p, in, false);
                if (!p.metadata().equals(meta)) throw new AssertionError("metadata differs for an asset");
            }
            for (int i = 0; i < a.length; i++) {
                if (!Arrays.equals(a[i], b[i]) || !Arrays.equals(a[i], c[i]))
                    throw new AssertionError("output " + i + " differs between the load paths");
                Files.write(new File(out, "output_" + i + ".bin").toPath(), a[i]);
            }
            System.out.println("ran " + a.length + " outputs");
            return;
        }
        Program p = Program.fromFile(args[1]);
        Session s = p.newSession();
        TensorInfo in0 = s.input(0);
        int fails = 0;
        fails += expect("float[] of the wrong size", IllegalArgumentException.class, () -> s.setInput(0, new float[1]));
        fails += expect("wrong dtype (byte[] for float32)", IllegalArgumentException.class,
                () -> s.setInput(0, new byte[in0.byteSize]));
        fails += expect("input index too large", IndexOutOfBoundsException.class, () -> s.setInput(7, new float[1]));
        fails += expect("negative output index", IndexOutOfBoundsException.class, () -> s.getOutputFloats(-1));
        fails += expect("heap ByteBuffer", IllegalArgumentException.class,
                () -> s.setInput(0, ByteBuffer.allocate(in0.byteSize)));
        fails += expect("direct ByteBuffer of the wrong size", IllegalArgumentException.class,
                () -> s.setInput(0, ByteBuffer.allocateDirect(in0.byteSize - 1)));
        fails += expect("null array", NullPointerException.class, () -> s.setInput(0, (float[]) null));
        fails += expect("unknown input name", IllegalArgumentException.class, () -> s.setInput("nope", new float[1]));
        fails += expect("output array of the wrong size", IllegalArgumentException.class,
                () -> s.getOutput(0, new float[3]));
        fails += expect("garbage program", SelrtException.class,
                () -> Program.fromByteBuffer(ByteBuffer.allocateDirect(256)));
        fails += expect("heap program buffer", IllegalArgumentException.class,
                () -> Program.fromByteBuffer(ByteBuffer.allocate(256)));
        fails += expect("empty program", IllegalArgumentException.class,
                () -> Program.fromByteBuffer(ByteBuffer.allocateDirect(0)));
        byte[] bytes = Files.readAllBytes(new File(args[1]).toPath());
        ByteBuffer half = ByteBuffer.allocateDirect(bytes.length / 2);
        half.put(bytes, 0, bytes.length / 2).flip();
        fails += expect("truncated program", SelrtException.class, () -> Program.fromByteBuffer(half));
        fails += expect("unknown asset", IOException.class,
                () -> Program.fromAsset(new FakeAssets(new File(args[1]), 0, bytes.length), "other.selrt"));
        fails += expect("not an AssetManager", IllegalArgumentException.class, () -> Program.fromAsset("x", "m"));
        s.setInput(0, new float[in0.byteSize / 4]);
        s.run();                                     // still usable after every rejected call
        s.close();
        s.close();
        fails += expect("run on a closed session", IllegalStateException.class, s::run);
        fails += expect("info of a closed session", IllegalStateException.class, () -> s.input(0));
        Session s2 = p.newSession();
        p.close();
        fails += expect("session of a closed program", IllegalStateException.class, s2::run);
        fails += expect("new session of a closed program", IllegalStateException.class, p::newSession);
        System.out.println("misuse failures " + fails);
        System.exit(fails == 0 ? 0 : 1);
    }

    interface Call { void call() throws Exception; }

    static int expect(String label, Class<? extends Throwable> want, Call c) {
        try {
            c.call();
        } catch (Throwable t) {
            if (want.isInstance(t)) {
                System.out.println("ok " + label + ": " + t.getClass().getSimpleName() + ": " + t.getMessage());
                return 0;
            }
            System.out.println("FAIL " + label + ": threw " + t);
            return 1;
        }
        System.out.println("FAIL " + label + ": no exception");
        return 1;
    }
}

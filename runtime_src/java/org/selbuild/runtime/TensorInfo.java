package org.selbuild.runtime;

import java.util.Arrays;

/** One input or output of a program: name, shape, element type and quantization. */
public final class TensorInfo {
    public final int index;
    public final String name;
    private final int[] shape;
    public final DType dtype;
    /** Quantization of int8/uint8 tensors: real = scale * (q - zeroPoint); scale 0 otherwise. */
    public final float scale;
    public final int zeroPoint;
    public final int byteSize;

    TensorInfo(int index, String name, int[] shape, DType dtype, float scale, int zeroPoint, int byteSize) {
        this.index = index;
        this.name = name;
        this.shape = shape;
        this.dtype = dtype;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.byteSize = byteSize;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int elementCount() {
        return byteSize / dtype.byteSize;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + " " + dtype + (scale != 0f ? " scale=" + scale + " zp=" + zeroPoint : "");
    }
}

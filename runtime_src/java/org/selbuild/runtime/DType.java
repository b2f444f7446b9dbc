package org.selbuild.runtime;

/** Element types, numbered as selrt_dtype in selrt.h. */
public enum DType {
    FLOAT32(0, 4), FLOAT16(1, 2), INT8(2, 1), UINT8(3, 1), INT16(4, 2), INT32(5, 4), INT64(6, 8), BOOL(7, 1);

    public final int code;
    public final int byteSize;

    DType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    static DType of(int code) {
        for (DType d : values()) {
            if (d.code == code) return d;
        }
        throw new SelrtException("unknown dtype code " + code);
    }
}

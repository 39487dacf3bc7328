package io.qpeft.spark;

import java.io.Serializable;

/**
 * A non-blank line of a text input and where it came from.
 *
 * @param source the file
 * @param number the 1-based line number in that file
 * @param ordinal the 0-based position among the non-blank lines of the whole input (files in name
 *     order): the input order, and the query id of a JSONL request that has none
 * @param text the line, without terminator or byte-order mark
 */
public record Line(String source, long number, long ordinal, String text) implements Serializable {}

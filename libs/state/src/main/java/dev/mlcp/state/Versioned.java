package dev.mlcp.state;

/**
 * A document as read, with the object generation a compare-and-set writes against.
 *
 * @param document the document
 * @param generation its object's generation
 */
public record Versioned<D>(D document, long generation) {}

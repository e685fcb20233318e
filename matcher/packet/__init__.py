"""An evidence packet: one person's evidence for a ladder, gathered from many documents written over a period.

``dates`` dates each document (and each dated section); ``build`` turns scored documents into the packet
(strongest citations per behavior, the behavior x period coverage matrix, the gaps to the target level);
``render`` writes it as Markdown, HTML and .docx; ``run`` scores the documents with the same store and
resume as ``evidence score`` and writes the packet. Every sentence the packet shows is a quote from the
person's documents, with its offsets, or the ladder's own text.
"""

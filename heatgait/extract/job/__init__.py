"""One extraction job: inputs and layouts, video decoding, sequence assembly, the runner that
writes shards, pictures of the result. May import all of extract, data, config, bottom."""

INSERT INTO owners (name, city) VALUES ('George Franklin', 'Madison');
INSERT INTO owners (name, city) VALUES ('Betty Davis', 'Sun Prairie');
INSERT INTO owners (name, city) VALUES ('Eduardo Rodriquez', 'McFarland');
INSERT INTO pets (name, kind, owner_id) SELECT 'Leo', 'cat', id FROM owners WHERE name = 'George Franklin';
INSERT INTO pets (name, kind, owner_id) SELECT 'Basil', 'hamster', id FROM owners WHERE name = 'Betty Davis';
INSERT INTO pets (name, kind, owner_id) SELECT 'Rosy', 'dog', id FROM owners WHERE name = 'Eduardo Rodriquez';
INSERT INTO pets (name, kind, owner_id) SELECT 'Jewel', 'dog', id FROM owners WHERE name = 'Eduardo Rodriquez';
